package refiners.mesh.orchestrator;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.Test;
import refiners.fluxion.InvalidRequestException;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.GenerationRequest;
import refiners.mesh.GenerateRequests;
import refiners.proto.orchestrator.v1.GenerateRequest;
import refiners.proto.orchestrator.v1.Solver;
import refiners.proto.orchestrator.v1.SolverOption;

/** The solver listing says what validation does: every value listed is taken, every option not listed is refused. */
class SolversTest {
    /** How each option is set on a request, with a value to try when the listing gives none (an integer option). */
    private static final Map<String, BiConsumer<GenerateRequest.Builder, String>> SETTERS = Map.of(
            "timesteps_spacing", GenerateRequest.Builder::setTimestepsSpacing,
            "timesteps_offset", (b, v) -> b.setTimestepsOffset(Integer.parseInt(v)),
            "noise_schedule", GenerateRequest.Builder::setNoiseSchedule,
            "sigma_schedule", GenerateRequest.Builder::setSigmaSchedule,
            "sde_variance", (b, v) -> b.setSdeVariance(Double.parseDouble(v)),
            "last_step_first_order", (b, v) -> b.setLastStepFirstOrder(Boolean.parseBoolean(v)));

    private static void validate(String solver, String field, String value) {
        validate(solver, field, value, false);
    }

    /** @param zeroOffset with the offset 0: a spacing reaching timestep 999 takes no offset (ddim's default is 1) */
    private static void validate(String solver, String field, String value, boolean zeroOffset) {
        GenerateRequest.Builder b = GenerateRequest.newBuilder().setSolver(solver).setSteps(4).setGuidanceScale(1.5f).setWidth(64).setHeight(64).setSeed(1);
        if (zeroOffset) b.setTimestepsOffset(0);
        SETTERS.get(field).accept(b, value);
        GenerateRequests.toGenerationRequest(b.build(), Long.MAX_VALUE);
    }

    @Test
    void everySolverIsListedWithTheValuesItTakes() {
        List<Solver> solvers = Solvers.all();
        assertEquals(GenerationRequest.SOLVERS, solvers.stream().map(Solver::getName).toList());
        for (Solver s : solvers)
            for (SolverOption o : s.getOptionsList()) {
                List<String> values = o.getValuesList().isEmpty() ? List.of("0") : o.getValuesList();
                for (String v : values) assertDoesNotThrow(() -> validate(s.getName(), o.getField(), v, takesOffset(s)), s.getName() + " " + o.getField() + "=" + v);
            }
    }

    @Test
    void anOptionNotListedForASolverIsRefusedNamingIt() {
        for (Solver s : Solvers.all()) {
            List<String> listed = s.getOptionsList().stream().map(SolverOption::getField).toList();
            for (String field : SETTERS.keySet()) {
                if (listed.contains(field)) continue;
                String value = field.equals("timesteps_offset") ? "1" : field.equals("last_step_first_order") ? "true" : field.equals("sde_variance") ? "1" : "quadratic";
                var e = assertThrows(InvalidRequestException.class, () -> validate(s.getName(), field, value), s.getName() + " takes " + field);
                assertEquals(field, e.field());
            }
        }
    }

    @Test
    void eulerTakesTheQuadraticNoiseScheduleOnly() {
        Solver euler = Solvers.describe("euler");
        SolverOption noise = euler.getOptionsList().stream().filter(o -> o.getField().equals("noise_schedule")).findFirst().orElseThrow();
        assertEquals(List.of("quadratic"), noise.getValuesList());
        assertThrows(InvalidRequestException.class, () -> validate("euler", "noise_schedule", "karras"));
    }

    @Test
    void defaultsAreTheSolversOwn() {
        assertEquals("leading", option("ddim", "timesteps_spacing").getDefaultValue());
        assertEquals("1", option("ddim", "timesteps_offset").getDefaultValue());
        assertEquals("trailing", option("lcm", "timesteps_spacing").getDefaultValue());
        assertEquals("", option("dpm", "timesteps_spacing").getDefaultValue());
    }

    private static boolean takesOffset(Solver s) {
        return s.getOptionsList().stream().anyMatch(o -> o.getField().equals("timesteps_offset"));
    }

    private static SolverOption option(String solver, String field) {
        return Solvers.describe(solver).getOptionsList().stream().filter(o -> o.getField().equals(field)).findFirst().orElseThrow();
    }
}
