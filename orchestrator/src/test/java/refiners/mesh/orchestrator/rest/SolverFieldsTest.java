package refiners.mesh.orchestrator.rest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

/** Solver names and options are validated before any stage is called (so no stage runs here): HTTP 400 naming the field. */
@QuarkusTest
class SolverFieldsTest {
    static void refused(String body, String field) {
        given().contentType("application/json").body(body).post("/v1/images").then().statusCode(400)
                .body("code", equalTo("INVALID_ARGUMENT")).body("field", equalTo(field)).body("message", startsWith(field + ": "));
    }

    @Test
    void aBadSolverOrSolverOptionIsABadRequestNamingTheField() {
        refused("{\"solver\": \"ddpm\"}", "solver");
        refused("{\"timesteps_spacing\": \"sideways\"}", "timesteps_spacing");
        refused("{\"solver\": \"ddim\", \"timesteps_offset\": -1}", "timesteps_offset");
        refused("{\"noise_schedule\": \"cosine\"}", "noise_schedule");
        refused("{\"solver\": \"euler\", \"sigma_schedule\": \"karras\"}", "sigma_schedule");
        refused("{\"sde_variance\": 2}", "sde_variance");
        refused("{\"solver\": \"ddim\", \"last_step_first_order\": true}", "last_step_first_order");
        refused("{\"solver\": \"lcm\", \"steps\": 4, \"guidance_scale\": 7.5}", "guidance_scale");
    }
}
