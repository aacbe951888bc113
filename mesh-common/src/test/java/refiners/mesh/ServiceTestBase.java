package refiners.mesh;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.quarkus.test.common.http.TestHTTPResource;
import java.net.URL;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** A service's @QuarkusTest: a plaintext gRPC channel to the service, opened before each test once its model has loaded. */
public abstract class ServiceTestBase {
    @TestHTTPResource
    protected URL url;
    protected ManagedChannel channel;

    /** The service's model (inject it in the test). */
    protected abstract ServiceModel<?> model();

    @BeforeEach
    void connect() throws InterruptedException {
        for (int i = 0; i < 2400 && !model().ready(); i++) Thread.sleep(250);
        assertTrue(model().ready(), "weights loaded");
        channel = ManagedChannelBuilder.forAddress(url.getHost(), url.getPort()).usePlaintext().maxInboundMessageSize(64 << 20).build();
    }

    @AfterEach
    void disconnect() {
        channel.shutdownNow();
    }

    /** The service's /q/metrics text. */
    protected String metrics() throws Exception {
        var response = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(url.toURI().resolve("/q/metrics")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertTrue(response.statusCode() == 200, "metrics: HTTP " + response.statusCode());
        return response.body();
    }

    /** A sample's value ("name" or "name{labels}" as printed; an exemplar may follow it); absent fails. */
    protected double metric(String sample) throws Exception {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^" + java.util.regex.Pattern.quote(sample) + " (\\S+)( #.*)?$").matcher(metrics());
        assertTrue(m.find(), "no " + sample + " in the metrics");
        return Double.parseDouble(m.group(1));
    }
}
