package refiners.mesh.orchestrator.rest;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.util.Map;

/**
 * The three stages at a port nothing listens on: every stage call is UNAVAILABLE. (Without it, test mode points the
 * stage clients at the orchestrator's own test port, which answers UNIMPLEMENTED.)
 */
public class NoStages implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
        try (ServerSocket s = new ServerSocket(0)) {
            String port = Integer.toString(s.getLocalPort());
            return Map.of("quarkus.grpc.clients.text-encoder.test-port", port, "quarkus.grpc.clients.unet.test-port", port,
                    "quarkus.grpc.clients.vae.test-port", port);
        }  catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
