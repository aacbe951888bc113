package refiners.launch;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Samples of a service's Prometheus text (/q/metrics), as the benches and end-to-end tests read them. */
public final class Prometheus {
    private Prometheus() {}

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** A service's /q/metrics text ({@code url}: its HTTP address). */
    public static String scrape(String url) throws IOException, InterruptedException {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url + "/q/metrics")).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) throw new IOException(url + "/q/metrics: HTTP " + r.statusCode());
        return r.body();
    }

    /** A sample's value ("name" or "name{labels}" exactly as printed), if present; an exemplar may follow it. */
    public static OptionalDouble sample(String metricsText, String sample) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(sample) + " (\\S+)( #.*)?$").matcher(metricsText);
        return m.find() ? OptionalDouble.of(Double.parseDouble(m.group(1))) : OptionalDouble.empty();
    }

    /** A histogram's cumulative bucket counts by upper bound ({@code name}_bucket{le="..."}; +Inf as infinity). */
    public static TreeMap<Double, Double> buckets(String metricsText, String name) {
        TreeMap<Double, Double> buckets = new TreeMap<>();
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "_bucket\\{(?:.*,)?le=\"([^\"]+)\"[^}]*\\} (\\S+)").matcher(metricsText);
        while (m.find()) buckets.put(m.group(1).equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(m.group(1)), Double.parseDouble(m.group(2)));
        return buckets;
    }

    /** {@code after - before}, bucket by bucket: the observations between two scrapes. */
    public static TreeMap<Double, Double> difference(TreeMap<Double, Double> after, TreeMap<Double, Double> before) {
        TreeMap<Double, Double> d = new TreeMap<>();
        after.forEach((le, count) -> d.put(le, count - before.getOrDefault(le, 0.0)));
        return d;
    }

    /**
     * The {@code q} quantile of cumulative buckets, interpolated linearly within its bucket as Prometheus'
     * histogram_quantile does; NaN without observations.
     */
    public static double quantile(TreeMap<Double, Double> cumulative, double q) {
        if (cumulative.isEmpty() || cumulative.lastEntry().getValue() <= 0) return Double.NaN;
        double rank = q * cumulative.lastEntry().getValue(), lower = 0, below = 0;
        for (Map.Entry<Double, Double> b : cumulative.entrySet()) {
            if (b.getValue() >= rank) {
                if (b.getKey().isInfinite()) return lower;
                double inBucket = b.getValue() - below;
                return inBucket <= 0 ? b.getKey() : lower + (b.getKey() - lower) * (rank - below) / inBucket;
            }
            lower = b.getKey();
            below = b.getValue();
        }
        return lower;
    }
}
