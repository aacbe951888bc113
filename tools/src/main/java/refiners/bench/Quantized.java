package refiners.bench;

/** Symmetric int8 values of a weight, one float scale per output channel (the first dimension). */
record Quantized(byte[] values, float[] scales) {
    static Quantized perChannel(float[] w, int channels) {
        int per = w.length / channels;
        byte[] q = new byte[w.length];
        float[] scales = new float[channels];
        for (int c = 0; c < channels; c++) {
            float max = 0;
            for (int i = c * per; i < (c + 1) * per; i++) max = Math.max(max, Math.abs(w[i]));
            float s = max == 0 ? 1 : max / 127;
            scales[c] = s;
            for (int i = c * per; i < (c + 1) * per; i++) q[i] = (byte) Math.round(w[i] / s);
        }
        return new Quantized(q, scales);
    }
}
