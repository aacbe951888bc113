package refiners.launch;

import static io.restassured.RestAssured.given;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Samples of a service's Prometheus metrics, as the end-to-end tests read them. */
final class Metrics {
    private Metrics() {}

    /** The service's /q/metrics text. */
    static String scrape(String url) {
        return given().baseUri(url).get("/q/metrics").then().statusCode(200).extract().asString();
    }

    /** A sample's value ("name" or "name{labels}") in a metrics text; absent is 0. */
    static double value(String metricsText, String sample) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(sample) + " (\\S+)( #.*)?$").matcher(metricsText); // an exemplar may follow
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
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
