package refiners.mesh.orchestrator.rest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/** The OpenAI routes refuse bad input in OpenAI's error shape, naming the OpenAI field, before any stage is called. */
@QuarkusTest
@TestProfile(NoStages.class)
class OpenAiRoutesTest {
    private static void refused(String body, String param, String message) {
        given().contentType("application/json").body(body).post("/v1/images/generations").then().statusCode(400)
                .body("error.type", equalTo("invalid_request_error")).body("error.param", equalTo(param)).body("error.message", containsString(message));
    }

    @Test
    void badGenerationFieldsAreRefusedNamingTheOpenAiField() {
        refused("{\"n\": 2}", "prompt", "prompt: is required");
        refused("{\"prompt\": \"a fox\", \"response_format\": \"url\"}", "response_format", "url is not served");
        refused("{\"prompt\": \"a fox\", \"size\": \"big\"}", "size", "WIDTHxHEIGHT");
        refused("{\"prompt\": \"a fox\", \"size\": \"500x512\"}", "size", "multiple of 8");
        refused("{\"prompt\": \"a fox\", \"n\": 9}", "n", "n: must be in 1..8");
        refused("{\"prompt\": \"a fox\", \"background\": \"transparent\"}", "background", "unknown field");
        refused("{\"prompt\": \"a fox\", \"n\": \"two\"}", "n", "expected an integer");
        refused("{\"prompt\": ", "body", "body: ");
    }

    @Test
    void aStageDownIsAServerErrorInOpenAisShape() {
        given().contentType("application/json").body("{\"prompt\": \"a fox\", \"size\": \"64x64\"}").post("/v1/images/generations").then().statusCode(503)
                .body("error.type", equalTo("server_error")).body("error.code", equalTo("unavailable"));
    }

    @Test
    void anEditNeedsAnImageAndAMaskWithTransparency() throws Exception {
        given().multiPart("prompt", "a fox").post("/v1/images/edits").then().statusCode(400).body("error.param", equalTo("image"));
        byte[] opaque = png(BufferedImage.TYPE_INT_RGB);
        given().multiPart("image", "room.png", opaque, "image/png").multiPart("mask", "mask.png", opaque, "image/png").multiPart("prompt", "a fox")
                .post("/v1/images/edits").then().statusCode(400).body("error.param", equalTo("mask")).body("error.message", containsString("alpha"));
        given().multiPart("image", "room.png", opaque, "image/png").multiPart("prompt", "a fox")
                .post("/v1/images/edits").then().statusCode(400).body("error.param", equalTo("image"));
        byte[] transparent = png(BufferedImage.TYPE_INT_ARGB);
        given().multiPart("image", "room.png", opaque, "image/png").multiPart("mask", "mask.png", transparent, "image/png").multiPart("prompt", "a fox")
                .multiPart("n", "many").post("/v1/images/edits").then().statusCode(400).body("error.param", equalTo("n"));
    }

    private static byte[] png(int type) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(new BufferedImage(64, 64, type), "png", out);
        return out.toByteArray();
    }
}
