package refiners.mesh.orchestrator.rest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.util.Base64;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import refiners.fluxion.Tensor;
import refiners.fluxion.utils.Images;
import refiners.foundationals.latent_diffusion.preprocessors.CannyEdges;

/**
 * The playground page with API keys on: the page and its modules are served without a key, the API it calls is not;
 * POST /v1/preprocess (its Canny preview) answers the edges the generation would use. The browser test: PlaygroundIT.
 */
@QuarkusTest
@TestProfile(OpenAiKeysTest.Keys.class)
class PlaygroundPageTest {
    private static final String KEY = "Bearer sk-test-key";

    @Test
    void thePageIsServedWithoutAKeyButNotTheApi() {
        given().get("/").then().statusCode(200).contentType(containsString("text/html")).body(containsString("playground/app.js"));
        given().get("/playground/app.js").then().statusCode(200).body(containsString("serverEvents"));
        given().get("/v1/solvers").then().statusCode(401);
        given().contentType("application/json").body("{}").post("/playground/app.js").then().statusCode(401); // only reading is open
        given().header("Authorization", KEY).get("/v1/solvers").then().statusCode(200);
    }

    @Test
    void theCannyPreviewIsTheGenerationsEdges() throws Exception {
        byte[] picture = picture();
        byte[] png = given().header("Authorization", KEY).contentType("application/json")
                .body(Map.of("image", Base64.getEncoder().encodeToString(picture), "preprocess", "canny"))
                .post("/v1/preprocess").then().statusCode(200).contentType("image/png").extract().asByteArray();
        Tensor expected = CannyEdges.detect(Images.decodeRgb(picture, Long.MAX_VALUE));
        assertArrayEquals(expected.toLongArray(), Images.decodeRgb(png, Long.MAX_VALUE).toLongArray());
    }

    @Test
    void aBadPreprocessRequestNamesTheField() {
        given().header("Authorization", KEY).contentType("application/json").body("{\"image\": \"aGVsbG8=\", \"preprocess\": \"canny\"}")
                .post("/v1/preprocess").then().statusCode(400).body("field", equalTo("image"));
        given().header("Authorization", KEY).contentType("application/json").body("{\"preprocess\": \"canny\"}")
                .post("/v1/preprocess").then().statusCode(400).body("field", equalTo("image"));
        given().header("Authorization", KEY).contentType("application/json").body("{\"image\": \"aGVsbG8=\", \"preprocess\": \"depth\"}")
                .post("/v1/preprocess").then().statusCode(400).body("field", equalTo("preprocess"));
    }

    private static byte[] picture() throws Exception {
        BufferedImage img = new BufferedImage(48, 40, BufferedImage.TYPE_INT_RGB);
        var g = img.createGraphics();
        g.setColor(Color.WHITE);
        g.fillOval(8, 6, 24, 20);
        g.dispose();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "png", out);
        return out.toByteArray();
    }
}
