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
import refiners.foundationals.latent_diffusion.solvers.DDIM;
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
 */
public final class SchedulersCase implements CaseRunner {
    private static final String PACKAGE = "refiners.foundationals.latent_diffusion.solvers.";
    private static final Set<String> RAISING_CALLS = Set.of("add_noise", "remove_noise");

    @Override
    public String caseName() {
        return "schedulers";
    }

    @Override
    public Map<String, Tensor> run(OracleCase oc, JsonNode subcase) {
        JsonNode outputs = subcase.get("outputs");
        JsonNode raises = subcase.path("raises");
        for (Iterator<String> it = raises.fieldNames(); it.hasNext(); ) {
            String call = it.next();
            if (!RAISING_CALLS.contains(call)) throw new IllegalArgumentException("unknown raising call " + call);
            if (OracleCase.find(outputs, call) != null) throw new IllegalArgumentException(call + " both raises and has an output");
        }
        Solver solver = solver(subcase.get("solver"));

        Tensor xTensor = oc.input(subcase, "x");
        long[] xShape = xTensor.shape();
        float[] x = xTensor.toFloatArray();

        Map<String, Tensor> out = new LinkedHashMap<>();
        for (JsonNode o : outputs) {
            String name = o.get("name").asText();
            Tensor t = switch (name) {
                case "timesteps" -> timesteps(solver, o);
                case "cumulative_scale_factors" -> vector(solver.cumulativeScaleFactors());
                case "noise_std" -> vector(solver.noiseStd());
                case "signal_to_noise_ratios" -> vector(solver.signalToNoiseRatios());
                case "sigmas" -> vector(sigmas(solver));
                case "trajectory", "model_inputs" -> null; // below, from one run
                case "add_noise", "remove_noise" -> probes(oc, subcase, solver, name, x, xShape);
                default -> throw new IllegalArgumentException("unknown output " + name);
            };
            if (t != null) out.put(name, t);
        }
        if (OracleCase.find(outputs, "trajectory") != null || OracleCase.find(outputs, "model_inputs") != null) {
            float[] predictedNoise = oc.input(subcase, "predicted_noise").toFloatArray();
            List<float[]> trajectory = new ArrayList<>();
            List<float[]> modelInputs = new ArrayList<>();
            float[] latents = solver.scaleModelInput(x, -1);
            trajectory.add(latents);
            for (int step : solver.inferenceSteps()) {
                float[] noise = slice(predictedNoise, step, x.length);
                modelInputs.add(solver.scaleModelInput(latents, step));
                latents = solver.step(latents, noise, step);
                trajectory.add(latents);
            }
            if (OracleCase.find(outputs, "trajectory") != null) out.put("trajectory", stack(trajectory, xShape));
            if (OracleCase.find(outputs, "model_inputs") != null) out.put("model_inputs", stack(modelInputs, xShape));
        }
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
        Integer steps = null, firstStep = 0;
        Boolean lastStepFirstOrder = null;
        for (Iterator<Map.Entry<String, JsonNode>> it = ctor.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            switch (e.getKey()) {
                case "num_inference_steps" -> steps = e.getValue().asInt();
                case "first_inference_step" -> firstStep = e.getValue().asInt();
                case "last_step_first_order" -> lastStepFirstOrder = e.getValue().asBoolean();
                default -> throw new IllegalArgumentException("unknown solver ctor argument " + e.getKey());
            }
        }
        if (steps == null) throw new IllegalArgumentException("solver ctor without num_inference_steps");
        SolverParams params = params(spec.get("params"));
        if (lastStepFirstOrder != null && !simple.equals("DPMSolver"))
            throw new IllegalArgumentException(cls + " has no last_step_first_order");
        return switch (simple) {
            case "DDIM" -> new DDIM(steps, firstStep, params);
            case "DPMSolver" -> new DPMSolver(steps, firstStep, params, lastStepFirstOrder != null && lastStepFirstOrder);
            case "Euler" -> new Euler(steps, firstStep, params);
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
