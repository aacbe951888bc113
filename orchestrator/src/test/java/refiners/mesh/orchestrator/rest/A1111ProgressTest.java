package refiners.mesh.orchestrator.rest;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import refiners.mesh.orchestrator.fake.FakeStages;

/** GET /sdapi/v1/progress while a txt2img runs on the fake stages (50 ms a step), then POST /sdapi/v1/interrupt. */
@QuarkusTest
class A1111ProgressTest {
    @Test
    void progressReportsTheRunningJobWithAPreviewAndInterruptStopsIt() throws Exception {
        // 150 steps: 7.5 s uninterrupted
        CompletableFuture<io.restassured.response.Response> running = CompletableFuture.supplyAsync(() -> A1111RoutesTest.post("txt2img",
                "{\"prompt\": \"a fox\", \"steps\": 150, \"width\": 64, \"height\": 64, \"batch_size\": 2, \"sampler_name\": \"DDIM\"}"));
        JsonPath p = null;
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60); // a loaded machine is slow to start the first generation
        while (System.nanoTime() < until && !running.isDone()) {
            p = given().get("/sdapi/v1/progress").then().statusCode(200).extract().jsonPath();
            if (p.getInt("state.sampling_step") >= 2 && p.getString("current_image") != null) break;
            Thread.sleep(20);
        }
        assertTrue(p.getInt("state.sampling_step") >= 2, "steps were reported: " + p.prettify()
                + (running.isDone() ? ", the request answered " + running.get().asString() : ""));
        assertEquals(150, p.getInt("state.sampling_steps"));
        assertEquals("txt2img", p.getString("state.job"));
        assertEquals(1, p.getInt("state.job_count"));
        float progress = p.getFloat("progress");
        assertTrue(progress > 0 && progress < 1, "progress " + progress);
        assertTrue(p.getFloat("eta_relative") > 0);
        assertTrue(Base64.getDecoder().decode(p.getString("current_image")).length > 0);
        assertEquals(null, given().queryParam("skip_current_image", true).get("/sdapi/v1/progress").then().extract().jsonPath().getString("current_image"));

        long t0 = System.nanoTime();
        given().post("/sdapi/v1/interrupt").then().statusCode(200).body(org.hamcrest.Matchers.equalTo("{}"));
        var answer = running.get(3, TimeUnit.SECONDS);
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(3), "the request answered once interrupted");
        answer.then().statusCode(200);
        assertEquals(0, answer.jsonPath().getList("images").size(), "no image had finished");
        long streams = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        while (FakeStages.FakeUNet.OPEN_STREAMS.get() > 0 && System.nanoTime() < streams) Thread.sleep(20);
        assertEquals(0, FakeStages.FakeUNet.OPEN_STREAMS.get(), "the generations were cancelled");
        given().get("/sdapi/v1/progress").then().body("state.job_count", org.hamcrest.Matchers.equalTo(0));
    }
}
