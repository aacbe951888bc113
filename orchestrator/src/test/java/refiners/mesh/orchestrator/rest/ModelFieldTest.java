package refiners.mesh.orchestrator.rest;

import static org.hamcrest.Matchers.startsWith;

import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

/** A model the orchestrator does not route (here only sd15, the default REFINERS_MODELS) is refused before any stage is called, naming `model`. */
@QuarkusTest
class ModelFieldTest {
    @Test
    void anUnroutedModelIsABadRequestNamingIt() {
        RestRefusals.refused("{\"prompt\": \"a fox\", \"model\": \"sdxl\"}", "model", startsWith("model: unknown model 'sdxl' (served: sd15)"));
        RestRefusals.refused("{\"prompt\": \"a fox\", \"model\": \"sd3\"}", "model", startsWith("model: unknown model 'sd3'"));
    }
}
