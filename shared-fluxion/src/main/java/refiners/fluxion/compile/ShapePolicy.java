package refiners.fluxion.compile;

/** Which input dimensions a compiled session leaves free, so one session serves many shapes. */
public enum ShapePolicy {
    /** Every dimension fixed: most optimisation, one session per shape. */
    STATIC,
    /** Dimension 0 of every input free. */
    DYNAMIC_BATCH,
    /** Dimension 0 of every input and the spatial dimensions (2 and up) of 4-D inputs free. */
    DYNAMIC_BATCH_AND_SPATIAL;

    /** The input shape as the session sees it: -1 where the dimension is free. */
    public long[] apply(long[] shape) {
        long[] out = shape.clone();
        if (this == STATIC || out.length == 0) return out;
        out[0] = -1;
        if (this == DYNAMIC_BATCH_AND_SPATIAL && out.length == 4) {
            out[2] = -1;
            out[3] = -1;
        }
        return out;
    }
}
