package refiners.launch;

import static io.restassured.RestAssured.given;

import java.time.Duration;

/** Samples of a service's Prometheus metrics, as the end-to-end tests read them. */
final class Metrics {
    private Metrics() {}

    /** The service's /q/metrics text. */
    static String scrape(String url) {
        return given().baseUri(url).get("/q/metrics").then().statusCode(200).extract().asString();
    }

    /** A sample's value ("name" or "name{labels}") in a metrics text; absent is 0. */
    static double value(String metricsText, String sample) {
        return Prometheus.sample(metricsText, sample).orElse(0);
    }

    /** Waits (up to a minute) for a sample to reach {@code expected}. */
    static void await(String url, String sample, double expected) throws InterruptedException {
        long until = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        double last;
        while ((last = value(scrape(url), sample)) != expected) {
            if (System.nanoTime() > until) throw new AssertionError(sample + " stayed at " + last + ", expected " + expected);
            Thread.sleep(50);
        }
    }
}
