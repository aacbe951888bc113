package refiners.oracle;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import refiners.fluxion.DType;
import refiners.fluxion.Tensor;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.function.Executable;
import refiners.foundationals.latent_diffusion.solvers.DDIM;
import refiners.foundationals.latent_diffusion.solvers.DDPM;
import refiners.foundationals.latent_diffusion.solvers.LCMSolver;
import refiners.foundationals.latent_diffusion.solvers.Timesteps;
import refiners.foundationals.latent_diffusion.solvers.DPMSolver;
import refiners.foundationals.latent_diffusion.solvers.Euler;
import refiners.foundationals.latent_diffusion.solvers.ModelPredictionType;
import refiners.foundationals.latent_diffusion.solvers.NoiseSchedule;
import refiners.foundationals.latent_diffusion.solvers.Solver;
import refiners.foundationals.latent_diffusion.solvers.SolverParams;
import refiners.foundationals.latent_diffusion.solvers.TimestepSpacing;

/**
 * Case "schedulers": a solver built from the subcase's {@code solver} block runs the manifest's api_calls:
 * trajectory = [scale_model_input(x, -1), x after each step], model_inputs = scale_model_input(x_step, step) before
 * each step, add_noise / remove_noise of x with noise at each probe step; plus the solver's schedule tensors.
 * Stochastic steps take the noise the case recorded for refiners' torch.randn calls, in call order (input
 * {@code renoise} or {@code sde_noise}). Subcases with {@code combinations} check {@code Solver.generate_timesteps}.
 */
public class SchedulersCase implements CaseRunner {
    private static final String PACKAGE = "refiners.foundationals.latent_diffusion.solvers.";
    private static final Set<String> RAISING_CALLS = Set.of("step", "add_noise", "remove_noise");

    @Override
    public String caseName() {
        return "schedulers";
    }

    @Override
    public Map<String, Tensor> run(OracleCase oc, JsonNode subcase) {
        JsonNode outputs = subcase.get("outputs");
        if (subcase.has("combinations")) return spacings(subcase.get("combinations"), outputs);
        JsonNode raises = subcase.path("raises");
        for (Iterator<String> it = raises.fieldNames(); it.hasNext(); ) {
            String call = it.next();
            if (!RAISING_CALLS.contains(call)) throw new IllegalArgumentException("unknown raising call " + call);
            if (OracleCase.find(outputs, call) != null) throw new IllegalArgumentException(call + " both raises and has an output");
        }
        if (raises.has("step") && OracleCase.find(outputs, "trajectory") != null) throw new IllegalArgumentException("step both raises and has a trajectory");
        Solver solver = solver(subcase.get("solver"));

        Tensor xTensor = oc.input(subcase, "x");
        long[] xShape = xTensor.shape();
        float[] x = xTensor.toFloatArray();

        Map<String, Tensor> out = new LinkedHashMap<>();
        for (JsonNode o : outputs) {
            String name = o.get("name").asText();
            Tensor t = switch (name) {
                case "timesteps" -> timesteps(solver, o);
                case "scale_factors" -> vector(solver.scaleFactors());
                case "cumulative_scale_factors" -> vector(solver.cumulativeScaleFactors());
                case "noise_std" -> vector(solver.noiseStd());
                case "signal_to_noise_ratios" -> vector(solver.signalToNoiseRatios());
                case "sigmas" -> vector(sigmas(solver));
                case "timestep_indices" -> indices(lcm(solver).timestepIndices());
                case "dpm_timesteps" -> timesteps(lcm(solver).dpm(), o);
                case "dpm_cumulative_scale_factors" -> vector(lcm(solver).dpm().cumulativeScaleFactors());
                case "dpm_noise_std" -> vector(lcm(solver).dpm().noiseStd());
                case "trajectory", "model_inputs", "estimated_denoised_data", "denoised_before_renoise" -> null; // below, from one run
                case "add_noise", "remove_noise" -> probes(oc, subcase, solver, name, x, xShape);
                case "add_noise_batched" -> batchedProbe(oc, subcase, solver);
                default -> throw new IllegalArgumentException("unknown output " + name);
            };
            if (t != null) out.put(name, t);
        }
        List<String> fromRun = List.of("trajectory", "model_inputs", "estimated_denoised_data", "denoised_before_renoise");
        if (fromRun.stream().anyMatch(n -> OracleCase.find(outputs, n) != null)) {
            float[] predictedNoise = oc.input(subcase, "predicted_noise").toFloatArray();
            float[] draws = draws(oc, subcase);
            int drawn = 0;
            Map<String, List<float[]>> series = new LinkedHashMap<>();
            fromRun.forEach(n -> series.put(n, new ArrayList<>()));
            float[] latents = solver.scaleModelInput(x, -1);
            series.get("trajectory").add(latents);
            for (int step : solver.inferenceSteps()) {
                float[] eps = slice(predictedNoise, step, x.length);
                series.get("model_inputs").add(solver.scaleModelInput(latents, step));
                float[] noise = null;
                if (solver.isStochastic(step)) {
                    if (draws == null) throw new IllegalArgumentException("step " + step + " is stochastic and the case records no noise");
                    noise = slice(draws, drawn++, x.length);
                }
                if (solver instanceof LCMSolver lcm && noise != null)
                    series.get("denoised_before_renoise").add(floats(lcm.denoise(doubles(latents), doubles(eps), step)));
                latents = solver.step(latents, eps, step, noise);
                if (solver instanceof DPMSolver dpm) series.get("estimated_denoised_data").add(floats(dpm.state().current()));
                series.get("trajectory").add(latents);
            }
            if (draws != null && (long) drawn * x.length != draws.length)
                throw new AssertionError("the solver drew noise " + drawn + " times, refiners " + draws.length / x.length);
            for (String n : fromRun) if (OracleCase.find(outputs, n) != null) out.put(n, stack(series.get(n), xShape));
        }
        return out;
    }

    /** Solvers whose steps raise in refiners (DDPM cannot denoise) must raise here too. */
    @Override
    public Map<String, Executable> checks(OracleCase oc, JsonNode subcase) {
        if (!subcase.path("raises").has("step")) return Map.of();
        return Map.of("step raises", () -> {
            Solver solver = solver(subcase.get("solver"));
            float[] x = oc.input(subcase, "x").toFloatArray();
            float[] eps = slice(oc.input(subcase, "predicted_noise").toFloatArray(), 0, x.length);
            int first = solver.inferenceSteps()[0];
            Assertions.assertThrows(RuntimeException.class, () -> solver.step(x, eps, first),
                    "refiners raises " + subcase.get("raises").get("step").asText());
        });
    }

    /** The standard-normal draws refiners' stochastic steps made, stacked in call order (null if none recorded). */
    private static float[] draws(OracleCase oc, JsonNode subcase) {
        for (String name : List.of("renoise", "sde_noise"))
            if (OracleCase.find(subcase.get("inputs"), name) != null) return oc.input(subcase, name).toFloatArray();
        return null;
    }

    private static LCMSolver lcm(Solver solver) {
        if (solver instanceof LCMSolver lcm) return lcm;
        throw new IllegalArgumentException(solver.getClass().getSimpleName() + " has no emulated DPM solver");
    }

    /** Solver.generate_timesteps for each listed (spacing, steps, offset), over 1000 training timesteps. */
    private static Map<String, Tensor> spacings(JsonNode combinations, JsonNode outputs) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (JsonNode c : combinations) {
            String name = c.get("output").asText();
            Timesteps t = Solver.generateTimesteps(TimestepSpacing.valueOf(c.get("spacing").asText()),
                    c.get("num_inference_steps").asInt(), c.path("num_train_timesteps").asInt(1000), c.get("offset").asInt());
            JsonNode o = OracleCase.find(outputs, name);
            if (o == null) throw new IllegalArgumentException("combination " + name + " has no output");
            out.put(name, OracleCase.dtype(o.get("dtype").asText()).isFloatingPoint() ? vector(t.values()) : t.toTensor());
        }
        return out;
    }

    private static Tensor indices(int[] v) {
        long[] l = new long[v.length];
        for (int i = 0; i < v.length; i++) l[i] = v[i];
        return Tensor.ofLongs(new long[] {v.length}, l);
    }

    private static Tensor batchedProbe(OracleCase oc, JsonNode subcase, Solver solver) {
        JsonNode stepsInput = OracleCase.find(subcase.get("inputs"), "batched_steps");
        if (stepsInput == null || !stepsInput.has("value")) throw new IllegalArgumentException("no batched_steps");
        int[] steps = new int[stepsInput.get("value").size()];
        for (int i = 0; i < steps.length; i++) steps[i] = stepsInput.get("value").get(i).asInt();
        Tensor x = oc.input(subcase, "x_batched");
        float[] noised = solver.addNoise(x.toFloatArray(), oc.input(subcase, "noise_batched").toFloatArray(), steps);
        return Tensor.ofDoubles(x.shape(), doubles(noised));
    }

    private static double[] doubles(float[] a) {
        double[] out = new double[a.length];
        for (int i = 0; i < a.length; i++) out[i] = a[i];
        return out;
    }

    private static float[] floats(double[] a) {
        float[] out = new float[a.length];
        for (int i = 0; i < a.length; i++) out[i] = (float) a[i];
        return out;
    }

    /** A solver from a manifest's spec: class, params and constructor arguments (under "ctor", or beside class). */
    static Solver solver(JsonNode spec) {
        String cls = spec.get("class").asText();
        String simple = cls.startsWith(PACKAGE) ? cls.substring(cls.lastIndexOf('.') + 1) : cls;
        JsonNode ctor = spec.get("ctor");
        if (ctor == null) {
            com.fasterxml.jackson.databind.node.ObjectNode c = ((com.fasterxml.jackson.databind.node.ObjectNode) spec).deepCopy();
            c.remove(List.of("class", "params"));
            ctor = c;
        }
        Integer steps = null, firstStep = 0, origSteps = null;
        Boolean lastStepFirstOrder = null;
        for (Iterator<Map.Entry<String, JsonNode>> it = ctor.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            switch (e.getKey()) {
                case "num_inference_steps" -> steps = e.getValue().asInt();
                case "first_inference_step" -> firstStep = e.getValue().asInt();
                case "last_step_first_order" -> lastStepFirstOrder = e.getValue().asBoolean();
                case "num_orig_steps" -> origSteps = e.getValue().asInt();
                case "params" -> { } // the spec's "params" holds them, resolved

                default -> throw new IllegalArgumentException("unknown solver ctor argument " + e.getKey());
            }
        }
        if (steps == null) throw new IllegalArgumentException("solver ctor without num_inference_steps");
        SolverParams params = params(spec.get("params"));
        if (origSteps != null && !simple.equals("LCMSolver")) throw new IllegalArgumentException(cls + " has no num_orig_steps");
        if (lastStepFirstOrder != null && !simple.equals("DPMSolver"))
            throw new IllegalArgumentException(cls + " has no last_step_first_order");
        return switch (simple) {
            case "DDIM" -> new DDIM(steps, firstStep, params);
            case "DPMSolver" -> new DPMSolver(steps, firstStep, params, lastStepFirstOrder != null && lastStepFirstOrder);
            case "Euler" -> new Euler(steps, firstStep, params);
            case "DDPM" -> new DDPM(steps, firstStep, params);
            case "LCMSolver" -> new LCMSolver(steps, firstStep, params, origSteps != null ? origSteps : LCMSolver.DEFAULT_NUM_ORIG_STEPS);
            default -> throw new IllegalArgumentException("unknown solver class " + cls);
        };
    }

    private static SolverParams params(JsonNode p) {
        SolverParams params = SolverParams.UNSET;
        if (p == null) return params;
        for (Iterator<Map.Entry<String, JsonNode>> it = p.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode v = e.getValue();
            boolean none = v.isNull();
            params = switch (e.getKey()) {
                case "num_train_timesteps" -> params.withNumTrainTimesteps(none ? null : v.asInt());
                case "timesteps_spacing" -> params.withTimestepsSpacing(none ? null : TimestepSpacing.fromValue(v.asText()));
                case "timesteps_offset" -> params.withTimestepsOffset(none ? null : v.asInt());
                case "initial_diffusion_rate" -> params.withInitialDiffusionRate(none ? null : v.asDouble());
                case "final_diffusion_rate" -> params.withFinalDiffusionRate(none ? null : v.asDouble());
                case "noise_schedule" -> params.withNoiseSchedule(none ? null : NoiseSchedule.fromValue(v.asText()));
                case "sigma_schedule" -> params.withSigmaSchedule(none ? null : NoiseSchedule.fromValue(v.asText()));
                case "model_prediction_type" -> params.withModelPredictionType(none ? null : ModelPredictionType.fromValue(v.asText()));
                case "sde_variance" -> params.withSdeVariance(v.asDouble());
                default -> throw new IllegalArgumentException("unknown solver param " + e.getKey());
            };
        }
        return params;
    }

    /** Integer outputs keep refiners' dtype (I64 DDIM, I32 DPMSolver); float timesteps (Euler) are compared as F64. */
    static Tensor timesteps(Solver solver, JsonNode output) {
        DType listed = OracleCase.dtype(output.get("dtype").asText());
        if (listed == null) throw new IllegalArgumentException("unknown dtype " + output.get("dtype"));
        if (listed.isFloatingPoint()) return vector(solver.timesteps().values());
        Tensor t = solver.timesteps().toTensor();
        if (t.dtype() != listed) throw new AssertionError("timesteps are " + t.dtype() + ", refiners gives " + listed);
        return t;
    }

    private static double[] sigmas(Solver solver) {
        if (solver instanceof DPMSolver dpm) return dpm.sigmas();
        if (solver instanceof Euler euler) return euler.sigmas();
        throw new IllegalArgumentException(solver.getClass().getSimpleName() + " has no sigmas");
    }

    private static Tensor probes(OracleCase oc, JsonNode subcase, Solver solver, String call, float[] x, long[] xShape) {
        JsonNode stepsInput = OracleCase.find(subcase.get("inputs"), "probe_steps");
        if (stepsInput == null || !stepsInput.has("value")) throw new IllegalArgumentException("no probe_steps for " + call);
        float[] noise = oc.input(subcase, "noise").toFloatArray();
        List<float[]> results = new ArrayList<>();
        for (JsonNode s : stepsInput.get("value")) {
            int step = s.asInt();
            results.add(call.equals("add_noise") ? solver.addNoise(x, noise, step) : solver.removeNoise(x, noise, step));
        }
        return stack(results, xShape);
    }

    private static float[] slice(float[] stacked, int index, int size) {
        if ((long) (index + 1) * size > stacked.length) throw new IllegalArgumentException("no predicted_noise for step " + index);
        float[] out = new float[size];
        System.arraycopy(stacked, index * size, out, 0, size);
        return out;
    }

    private static Tensor vector(double[] v) {
        return Tensor.ofDoubles(new long[] {v.length}, v);
    }

    private static Tensor stack(List<float[]> items, long[] itemShape) {
        long[] shape = new long[itemShape.length + 1];
        shape[0] = items.size();
        System.arraycopy(itemShape, 0, shape, 1, itemShape.length);
        int size = items.isEmpty() ? 0 : items.get(0).length;
        double[] all = new double[items.size() * size];
        for (int i = 0; i < items.size(); i++)
            for (int k = 0; k < size; k++) all[i * size + k] = items.get(i)[k];
        return Tensor.ofDoubles(shape, all);
    }
}
