package refiners.mesh.orchestrator.rest;

import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

/**
 * Image-prompt and reference-only fields are known to REST under the proto's names and validated before any stage is
 * called: 400 naming the field.
 */
@QuarkusTest
class ImagePromptFieldsTest {
    @Test
    void aBadImagePromptIsABadRequestNamingTheField() {
        // "bm90IGFuIGltYWdl" is base64 for "not an image"
        SolverFieldsTest.refused("{\"image_prompts\": [{\"image\": \"bm90IGFuIGltYWdl\", \"scale\": 0.5}], \"ip_adapter\": \"plain\"}", "image_prompts[0].image");
        SolverFieldsTest.refused("{\"image_prompts\": [{\"scale\": 0.5}], \"ip_adapter\": \"plain\"}", "image_prompts[0].image");
        SolverFieldsTest.refused("{\"ip_adapter\": \"plain\", \"ip_adapter_scale\": 0.5}", "image_prompts");
        SolverFieldsTest.refused("{\"ip_adapter_scale\": 0.5}", "image_prompts");
    }

    @Test
    void aBadReferenceIsABadRequestNamingTheField() {
        SolverFieldsTest.refused("{\"reference_image\": \"bm90IGFuIGltYWdl\"}", "reference_image");
        SolverFieldsTest.refused("{\"reference_style_cfg\": 0.5}", "reference_image");
    }
}
