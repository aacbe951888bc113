package refiners.mesh.orchestrator;

import java.util.Arrays;
import java.util.List;
import refiners.foundationals.latent_diffusion.solvers.LCMSolver;
import refiners.foundationals.latent_diffusion.solvers.NoiseSchedule;
import refiners.foundationals.latent_diffusion.solvers.SolverParams;
import refiners.foundationals.latent_diffusion.solvers.TimestepSpacing;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.GenerationRequest;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SolverOptions;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.StableDiffusion_1;
import refiners.proto.orchestrator.v1.Solver;
import refiners.proto.orchestrator.v1.SolverOption;

/**
 * The solvers a GenerateRequest takes and, per solver, the options it takes with their values and defaults (the
 * defaults read from the solvers themselves). SolversTest holds this list to GenerationRequest's validation.
 */
public final class Solvers {
    private static final List<String> SPACINGS = Arrays.stream(TimestepSpacing.values()).filter(s -> s != TimestepSpacing.CUSTOM).map(s -> s.value).toList();
    private static final List<String> SCHEDULES = Arrays.stream(NoiseSchedule.values()).map(s -> s.value).toList();

    private Solvers() {}

    public static List<Solver> all() {
        return GenerationRequest.SOLVERS.stream().map(Solvers::describe).toList();
    }

    static Solver describe(String name) {
        SolverParams defaults = StableDiffusion_1.solver(name, SolverOptions.DEFAULT, GenerationRequest.DEFAULT_STEPS, 0).params();
        boolean dpm = name.equals("dpm"), lcm = name.equals("lcm");
        Solver.Builder s = Solver.newBuilder().setName(name).setDescription(description(name))
                .setMaxSteps(lcm ? LCMSolver.DEFAULT_NUM_ORIG_STEPS : GenerationRequest.MAX_STEPS)
                .setMaxGuidanceScale((float) (lcm ? GenerationRequest.MAX_LCM_GUIDANCE : GenerationRequest.MAX_GUIDANCE));
        // dpm spaces its timesteps its own way unless asked (TimestepSpacing.CUSTOM): no named default
        String spacing = defaults.timestepsSpacing() == TimestepSpacing.CUSTOM ? "" : defaults.timestepsSpacing().value;
        s.addOptions(option("timesteps_spacing", SPACINGS, spacing));
        if (!lcm) s.addOptions(option("timesteps_offset", List.of(), Integer.toString(defaults.timestepsOffset())));
        s.addOptions(option("noise_schedule", name.equals("euler") ? List.of(NoiseSchedule.QUADRATIC.value) : SCHEDULES, defaults.noiseSchedule().value));
        if (dpm) {
            s.addOptions(option("sigma_schedule", SCHEDULES, defaults.sigmaSchedule() == null ? "" : defaults.sigmaSchedule().value));
            s.addOptions(option("sde_variance", List.of("0", "1"), "0"));
            s.addOptions(option("last_step_first_order", List.of("false", "true"), "false"));
        }
        return s.build();
    }

    private static SolverOption option(String field, List<String> values, String defaultValue) {
        return SolverOption.newBuilder().setField(field).addAllValues(values).setDefaultValue(defaultValue).build();
    }

    private static String description(String name) {
        return switch (name) {
            case "dpm" -> "DPM-Solver++, multistep 2nd order (the default)";
            case "ddim" -> "DDIM, deterministic";
            case "euler" -> "Euler, fractional timesteps";
            case "lcm" -> "LCM: for LCM models and LCM-LoRAs, 2 to 8 steps, guidance 1 to 2";
            default -> name;
        };
    }
}
