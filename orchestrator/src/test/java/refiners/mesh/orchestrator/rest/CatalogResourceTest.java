package refiners.mesh.orchestrator.rest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.startsWith;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The listings over REST: solvers from the orchestrator itself; the others ask unet-svc, which is not running here. */
@QuarkusTest
@TestProfile(CatalogResourceTest.NoUNet.class)
class CatalogResourceTest {
    /** unet-svc at a port nothing listens on (not the default one, where a mesh of the machine may run). */
    public static class NoUNet implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            try (ServerSocket s = new ServerSocket(0)) {
                return Map.of("quarkus.grpc.clients.unet.test-port", Integer.toString(s.getLocalPort()));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    @Test
    void solversAreListedWithTheirOptions() {
        given().get("/v1/solvers").then().statusCode(200).contentType("application/json")
                .body("solvers.name", equalTo(java.util.List.of("dpm", "ddim", "euler", "lcm")))
                .body("solvers.find { it.name == 'dpm' }.options.field", hasItems("sigma_schedule", "sde_variance"))
                .body("solvers.find { it.name == 'lcm' }.max_steps", equalTo(50));
    }

    @Test
    void aListingWithoutUNetServiceIsUnavailableNamingIt() {
        for (String path : new String[] {"/v1/models", "/v1/loras", "/v1/controlnets"})
            given().get(path).then().statusCode(503).body("code", equalTo("UNAVAILABLE")).body("message", startsWith("unet-svc unavailable at "));
    }
}
