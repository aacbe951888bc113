package refiners.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class PrometheusTest {
    private static final String BEFORE = """
            # TYPE refiners_unet_step_transport_seconds histogram
            refiners_unet_step_transport_seconds_bucket{le="0.001"} 2.0
            refiners_unet_step_transport_seconds_bucket{le="0.002"} 4.0
            refiners_unet_step_transport_seconds_bucket{le="+Inf"} 4.0
            refiners_unet_step_transport_seconds_count 4.0
            """;
    private static final String AFTER = """
            refiners_unet_step_transport_seconds_bucket{le="0.001",} 12.0
            refiners_unet_step_transport_seconds_bucket{le="0.002",} 24.0
            refiners_unet_step_transport_seconds_bucket{le="+Inf",} 28.0
            refiners_other_seconds_bucket{le="0.001"} 99.0
            """;

    @Test
    void histogramsAreReadInBothLabelStylesAndDifferenced() {
        TreeMap<Double, Double> before = Prometheus.buckets(BEFORE, "refiners_unet_step_transport_seconds");
        TreeMap<Double, Double> after = Prometheus.buckets(AFTER, "refiners_unet_step_transport_seconds");
        assertEquals(3, before.size());
        assertEquals(28.0, after.get(Double.POSITIVE_INFINITY));
        TreeMap<Double, Double> between = Prometheus.difference(after, before);
        assertEquals(10.0, between.get(0.001));
        assertEquals(20.0, between.get(0.002));
        assertEquals(24.0, between.get(Double.POSITIVE_INFINITY));
    }

    @Test
    void quantilesInterpolateWithinTheirBucket() {
        TreeMap<Double, Double> b = new TreeMap<>();
        b.put(0.001, 10.0);
        b.put(0.002, 20.0);
        b.put(Double.POSITIVE_INFINITY, 24.0);
        assertEquals(0.0006, Prometheus.quantile(b, 0.25), 1e-12); // rank 6 of the first 10 in [0, 1 ms]
        assertEquals(0.0012, Prometheus.quantile(b, 0.5), 1e-12); // rank 12: 2 of the 10 in (1, 2 ms]
        assertEquals(0.002, Prometheus.quantile(b, 0.95), 1e-12); // in +Inf: the highest finite bound
        assertTrue(Double.isNaN(Prometheus.quantile(new TreeMap<>(), 0.5)));
    }
}
