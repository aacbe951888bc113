package refiners.mesh.orchestrator.rest;

import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;

import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

/** Solver names and options are validated before any stage is called (so no stage runs here): HTTP 400 naming the field. */
@QuarkusTest
class SolverFieldsTest {
    static void refused(String body, String field) {
        // a known field with a bad value, not an unknown field
        RestRefusals.refused(body, field, allOf(startsWith(field + ": "), not(containsString("unknown field"))));
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
