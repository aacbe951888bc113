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
}
