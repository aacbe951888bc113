package refiners.mesh.orchestrator.rest;

import static org.hamcrest.Matchers.startsWith;

import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

/**
 * A misspelt field is refused before any stage is called (so no stage runs here): HTTP 400 with the error JSON naming
 * the field, instead of a generation with that field's default.
 */
@QuarkusTest
class UnknownFieldsTest {
    static void refused(String body, String field) {
        RestRefusals.refused(body, field, startsWith(field + ": unknown field"));
    }

    @Test
    void anUnknownFieldIsABadRequestNamingIt() {
        refused("{\"prompt\": \"a fox\", \"strenght\": 0.6}", "strenght");
        refused("{\"negativePrompt\": \"blurry\"}", "negativePrompt");
    }

    @Test
    void anUnknownFieldOfALoraOrAControlnetIsNamedWithItsPath() {
        refused("{\"loras\": [{\"name\": \"style\", \"scale\": 0.5}, {\"name\": \"style\", \"weight\": 0.5}]}", "loras[1].weight");
        refused("{\"controlnets\": [{\"name\": \"canny\", \"decay\": 0.8}]}", "controlnets[0].decay");
    }
}
