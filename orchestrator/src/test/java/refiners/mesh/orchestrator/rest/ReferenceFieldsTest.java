package refiners.mesh.orchestrator.rest;

import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

/** Reference-only fields are known to REST under the proto's names and validated before any stage is called: 400 naming the field. */
@QuarkusTest
class ReferenceFieldsTest {
    @Test
    void aBadReferenceIsABadRequestNamingTheField() {
        // "bm90IGFuIGltYWdl" is base64 for "not an image"
        SolverFieldsTest.refused("{\"reference_image\": \"bm90IGFuIGltYWdl\"}", "reference_image");
        SolverFieldsTest.refused("{\"reference_style_cfg\": 0.5}", "reference_image");
    }
}
