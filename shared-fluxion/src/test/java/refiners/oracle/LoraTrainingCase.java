package refiners.oracle;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.function.Executable;
import refiners.fluxion.DetInit;
import refiners.fluxion.Tensor;
import refiners.fluxion.compile.CompileOptions;
import refiners.fluxion.layers.Chain;
import refiners.foundationals.clip.CLIPTextEncoderL;
import refiners.foundationals.latent_diffusion.solvers.DDPM;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1UNet;
import refiners.training.AdamW;
import refiners.training.DiffusionNoise;
import refiners.training.GradientClipping;
import refiners.training.LoraTargets;
import refiners.training.LoraTrainingStep;
import refiners.training.Parameter;
import refiners.training.TrainableLoras;

/**
 * Case "lora-training": DDPM noising with offset noise, AdamW and gradient clipping arithmetic, and LoRA gradients of
 * the full-size UNet (and CLIP-L text encoder) computed by the training step's forward + reverse-mode graphs. Targets,
 * ranks, scales, seeds and LoRA initialisations are read from the manifest.
 */
public final class LoraTrainingCase implements CaseRunner {
    private static final Pattern DETINIT = Pattern.compile("detinit\\(key='([^']+)'.*seed=(-?\\d+), center=([-+0-9.eE]+), scale=([-+0-9.eE]+)\\)");
    private static final Pattern GRAD = Pattern.compile("(unet|text_encoder)_lora_grad\\[(\\d+)]\\.(down|up)");

    @Override
    public String caseName() {
        return "lora-training";
    }

    @Override
    public Map<String, Executable> checks(OracleCase oc, JsonNode sub) {
        Map<String, Executable> out = new LinkedHashMap<>();
        for (JsonNode spec : sub.path("models")) out.putAll(ModelChecks.of(spec, () -> build(spec)));
        if (sub.has("unet_lora_targets"))
            out.put("unet LoRA targets (walk order, in/out features)", () -> checkTargets(sub.get("unet_lora_targets"), new SD1UNet(4), "CrossAttentionBlock2d"));
        if (sub.has("text_encoder_lora_targets"))
            out.put("text encoder LoRA targets (walk order, in/out features)", () -> checkTargets(sub.get("text_encoder_lora_targets"), new CLIPTextEncoderL(), "TransformerLayer"));
        return out;
    }

    private static Chain build(JsonNode spec) {
        String cls = spec.get("class").asText();
        if (cls.endsWith(".SD1UNet")) return SD1UNetCase.build(spec);
        if (cls.endsWith(".CLIPTextEncoderL")) return ClipTextLCase.build(spec);
        throw new IllegalArgumentException("lora-training: no Java model for " + cls);
    }

    private static void checkTargets(JsonNode expected, Chain model, String block) {
        List<String> want = new ArrayList<>(), have = new ArrayList<>();
        for (JsonNode t : expected) want.add(t.get(0).asText() + " " + t.get(1).asInt() + "->" + t.get(2).asInt());
        LoraTargets.find(model, List.of(block)).forEach((k, l) -> have.add(k + " " + l.inFeatures() + "->" + l.outFeatures()));
        assertEquals(want, have);
    }

    @Override
    public Map<String, Tensor> run(OracleCase oc, JsonNode sub) {
        return switch (sub.get("name").asText()) {
            case "ddpm_noise" -> ddpmNoise(oc, sub);
            case "adamw_step" -> adamw(oc, sub);
            case "unet_lora_grads", "joint_lora_grads" -> loraGradients(oc, sub);
            default -> throw new IllegalArgumentException("lora-training: unknown subcase " + sub.get("name").asText());
        };
    }

    private static Tensor checkedInput(OracleCase oc, JsonNode sub, String name) {
        Tensor t = oc.input(sub, name);
        JsonNode in = OracleCase.find(sub.get("inputs"), name);
        if (in.has("detinit")) assertEquals(0, FluxionLayersCase.mismatches(OracleCase.detinitInput(in), t), name + ": detinit regeneration differs from the stored input");
        return t;
    }

    private static JsonNode value(JsonNode sub, String name) {
        JsonNode in = OracleCase.find(sub.get("inputs"), name);
        if (in == null || !in.has("value")) throw new IllegalArgumentException(sub.get("name").asText() + ": no value input " + name);
        return in.get("value");
    }

    private static Map<String, Tensor> ddpmNoise(OracleCase oc, JsonNode sub) {
        Tensor latents = checkedInput(oc, sub, "latents");
        Tensor noise = DiffusionNoise.withOffset(checkedInput(oc, sub, "noise"), checkedInput(oc, sub, "offset"), value(sub, "offset_noise").asDouble());
        int step = value(sub, "step").asInt();
        DDPM ddpm = new DDPM(1000);
        double[] noisy = ddpm.addNoise(latents.toDoubleArray(), noise.toDoubleArray(), step);
        Map<String, Tensor> out = new LinkedHashMap<>();
        out.put("noise", noise);
        out.put("noisy_latents", Tensor.ofDoubles(latents.shape(), noisy));
        out.put("timestep", Tensor.ofLongs(new long[] {1}, (long) ddpm.timestep(step)));
        out.put("cumulative_scale_factor", Tensor.ofDoubles(new long[] {1}, ddpm.cumulativeScaleFactor(step)));
        out.put("noise_std", Tensor.ofDoubles(new long[] {1}, ddpm.noiseStd(step)));
        return out;
    }

    private static Map<String, Tensor> adamw(OracleCase oc, JsonNode sub) {
        JsonNode h = sub.get("hyperparameters");
        List<String> names = List.of("a", "b");
        List<Parameter> params = new ArrayList<>();
        for (String n : names) {
            Tensor t = checkedInput(oc, sub, "param_" + n);
            params.add(new Parameter(n, t.shape(), t.toFloatArray()));
        }
        Map<String, Tensor> out = new LinkedHashMap<>();
        List<float[]> clipped = new ArrayList<>();
        for (String n : names) clipped.add(checkedInput(oc, sub, "grad_" + n + "_0").toFloatArray());
        double total = GradientClipping.clipByGlobalNorm(clipped, 1.0);
        out.put("clip_total_norm", Tensor.ofDoubles(new long[] {1}, total));
        for (int i = 0; i < names.size(); i++) out.put("clipped_grad_" + names.get(i), Tensor.ofFloats(params.get(i).shape(), clipped.get(i)));
        AdamW opt = new AdamW(h.get("betas").get(0).asDouble(), h.get("betas").get(1).asDouble(), h.get("eps").asDouble(), h.get("weight_decay").asDouble());
        for (int k = 0; OracleCase.find(sub.get("inputs"), "grad_a_" + k) != null; k++) {
            List<float[]> grads = new ArrayList<>();
            for (String n : names) grads.add(checkedInput(oc, sub, "grad_" + n + "_" + k).toFloatArray());
            opt.step(params, grads, h.get("lr").asDouble());
            for (Parameter p : params) out.put("param_" + p.name() + "_after_" + (k + 1), p.tensor());
        }
        return out;
    }

    // ------------------------------------------------------------ gradients of the UNet (and text encoder) LoRAs

    private static Map<String, Tensor> loraGradients(OracleCase oc, JsonNode sub) {
        Map<String, JsonNode> specs = new LinkedHashMap<>();
        for (JsonNode m : sub.get("models")) specs.put(m.get("name").asText(), m);
        int rank = sub.get("rank").asInt();
        double scale = sub.path("lora_scale").asDouble(1.0); // LinearLora's default
        JsonNode init = sub.get("lora_init");

        SD1UNet unet = SD1UNetCase.build(specs.get("unet"));
        unet.loadStateDict(CachedDetInit.weights(unet, specs.get("unet").get("seed").asLong()));
        TrainableLoras unetLoras = TrainableLoras.install(unet, "unet", List.of("CrossAttentionBlock2d"), rank, scale);
        loadInit(unetLoras, init.has("unet") ? init.get("unet") : init);

        CLIPTextEncoderL clip = null;
        TrainableLoras clipLoras = null;
        if (specs.containsKey("clip_text_encoder")) {
            clip = ClipTextLCase.build(specs.get("clip_text_encoder"));
            clip.loadStateDict(CachedDetInit.weights(clip, specs.get("clip_text_encoder").get("seed").asLong()));
            clipLoras = TrainableLoras.install(clip, "text_encoder", List.of("TransformerLayer"), rank, scale);
            loadInit(clipLoras, init.get("text_encoder"));
        }

        Tensor noisy = checkedInput(oc, sub, "noisy_latents"), noise = checkedInput(oc, sub, "noise");
        Tensor timestep = oc.input(sub, "timestep");
        long t0 = System.nanoTime();
        LoraTrainingStep.Result r;
        try (LoraTrainingStep step = new LoraTrainingStep(unet, unetLoras, clip, clipLoras, CompileOptions.defaults())) {
            r = clip == null
                    ? step.run(noisy, noise, timestep, checkedInput(oc, sub, "clip_text_embedding"))
                    : step.runWithTextEncoder(noisy, noise, timestep, clip.tokenizer().tokenize(ClipTextLCase.prompts(sub)));
        }
        System.out.printf("  lora-training/%s: compile + forward + backward %.1f s%n", sub.get("name").asText(), (System.nanoTime() - t0) / 1e9);

        Map<String, Tensor> out = new LinkedHashMap<>();
        out.put("loss", Tensor.ofDoubles(new long[] {1}, r.loss()));
        out.put("prediction", r.prediction());
        out.put("clip_text_embedding", r.clipTextEmbedding());
        Map<String, List<float[]>> grads = new LinkedHashMap<>();
        grads.put("unet", r.unetGradients());
        if (clipLoras != null) grads.put("text_encoder", r.textEncoderGradients());
        Map<String, TrainableLoras> loras = new LinkedHashMap<>();
        loras.put("unet", unetLoras);
        if (clipLoras != null) loras.put("text_encoder", clipLoras);
        for (String model : grads.keySet()) {
            List<String> order = targetOrder(sub.get(model + "_lora_targets"), loras.get(model));
            List<Parameter> params = loras.get(model).parameters();
            List<float[]> g = grads.get(model);
            double[] norms = new double[2 * order.size()];
            for (int i = 0; i < order.size(); i++)
                for (int k = 0; k < 2; k++) norms[2 * i + k] = GradientClipping.totalNorm(List.of(g.get(indexOf(params, model, order.get(i), k))));
            out.put(model + "_lora_grad_norms", Tensor.ofDoubles(new long[] {order.size(), 2}, norms));
            for (JsonNode o : sub.get("outputs")) {
                Matcher m = GRAD.matcher(o.get("name").asText());
                if (!m.matches() || !m.group(1).equals(model)) continue;
                int k = m.group(3).equals("down") ? 0 : 1;
                int at = indexOf(params, model, order.get(Integer.parseInt(m.group(2))), k);
                out.put(o.get("name").asText(), Tensor.ofFloats(params.get(at).shape(), g.get(at)));
            }
        }
        return out;
    }

    /** The manifest's target order (checked against ours by a separate check). */
    private static List<String> targetOrder(JsonNode targets, TrainableLoras loras) {
        List<String> order = new ArrayList<>();
        for (JsonNode t : targets) {
            if (!loras.loras().containsKey(t.get(0).asText())) throw new IllegalArgumentException("no LoRA on target " + t.get(0).asText());
            order.add(t.get(0).asText());
        }
        return order;
    }

    private static int indexOf(List<Parameter> params, String model, String target, int downOrUp) {
        String name = model + "." + target + (downOrUp == 0 ? ".down" : ".up") + ".weight";
        for (int i = 0; i < params.size(); i++) if (params.get(i).name().equals(name)) return i;
        throw new IllegalArgumentException("no parameter " + name);
    }

    /** detinit(key='lora:<target>.down', ...) for each LoRA weight, as the manifest's lora_init describes it. */
    private static void loadInit(TrainableLoras loras, JsonNode init) {
        for (TrainableLoras.Lora l : loras.loras().values()) {
            l.down().set(detinit(init, "down", l.target(), l.down().shape()));
            l.up().set(detinit(init, "up", l.target(), l.up().shape()));
        }
    }

    private static Tensor detinit(JsonNode init, String role, String target, long[] shape) {
        String spec = init.isTextual() ? init.asText() : init.get(role).asText();
        Matcher m = DETINIT.matcher(spec);
        if (!m.find()) throw new IllegalArgumentException("lora-training: cannot read LoRA initialisation " + spec);
        String key = m.group(1).replace("<target>", target);
        if (key.endsWith(".down|up")) key = key.substring(0, key.length() - "down|up".length()) + role;
        else if (!key.endsWith("." + role)) throw new IllegalArgumentException("lora-training: initialisation " + spec + " is not for the " + role + " weight");
        return DetInit.tensor(key, shape, Long.parseLong(m.group(2)), Double.parseDouble(m.group(3)), Double.parseDouble(m.group(4)));
    }
}
