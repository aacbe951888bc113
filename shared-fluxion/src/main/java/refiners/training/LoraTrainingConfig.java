package refiners.training;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A LoRA fine-tuning run, as refiners' finetune-lora TOML config: sections models, latent_diffusion, lora, training,
 * optimizer, scheduler, dropout, dataset, checkpointing, test_diffusion. Unknown sections and keys and bad values are
 * errors naming the key; relative paths are resolved against the config file's folder.
 */
public record LoraTrainingConfig(
        Models models,
        LatentDiffusion latentDiffusion,
        Lora lora,
        Training training,
        OptimizerConfig optimizer,
        Scheduler scheduler,
        Dropout dropout,
        Dataset dataset,
        Checkpointing checkpointing,
        TestDiffusion testDiffusion) {

    /** Weights: one location our loader reads (diffusers folder, CompVis file, refiners folder), or refiners-format files per model; none: detinit. */
    public record Models(Path weights, Path unet, Path textEncoder, Path lda) {}

    public record LatentDiffusion(double unconditionalSamplingProbability, double offsetNoise, int minStep, int maxStep) {}

    /** scale multiplies up(down(x)) as LinearLora's scale; targets are block classes whose Linears get a LoRA. */
    public record Lora(int rank, double scale, String triggerPhrase, double useOnlyTriggerProbability, List<String> unetTargets, List<String> textEncoderTargets) {}

    public record Training(TimeValue duration, long seed, int batchSize, long gradientAccumulation, Double clipGradNorm,
                           TimeValue evaluationInterval, long evaluationSeed, String device) {}

    public record OptimizerConfig(String optimizer, double learningRate, double[] betas, double eps, double weightDecay, double momentum) {
        public Optimizer create() {
            return switch (optimizer) {
                case "AdamW" -> new AdamW(betas[0], betas[1], eps, weightDecay);
                case "SGD" -> new SGD(momentum, weightDecay);
                default -> throw new IllegalStateException(optimizer);
            };
        }
    }

    public record Scheduler(String schedulerType, TimeValue warmup, double etaMin) {}

    public record Dropout(double dropoutProbability) {}

    public record Dataset(Path folder, int resolution, String captionExtension) {}

    public record Checkpointing(Path saveFolder, TimeValue saveInterval, String name, Path resume) {}

    public record TestDiffusion(int numInferenceSteps, boolean useShortPrompts, List<String> prompts, int numImagesPerPrompt, double conditionScale, int size) {}

    static final Set<String> SECTIONS = Set.of("models", "latent_diffusion", "lora", "training", "optimizer", "scheduler", "dropout", "dataset", "checkpointing", "test_diffusion");
    static final List<String> OPTIMIZERS = List.of("AdamW", "SGD");
    static final List<String> SCHEDULERS = List.of("ConstantLR", "CosineAnnealingLR");

    public static LoraTrainingConfig load(Path file) {
        JsonNode root;
        try {
            root = new TomlMapper().readTree(Files.readString(file));
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read config " + file + ": " + e.getMessage(), e);
        }
        return parse(root, file.toAbsolutePath().getParent());
    }

    public static LoraTrainingConfig parse(JsonNode root, Path base) {
        List<String> unknown = new ArrayList<>();
        root.fieldNames().forEachRemaining(s -> {
            if (!SECTIONS.contains(s)) unknown.add(s);
        });
        if (unknown.contains("wandb")) throw new IllegalArgumentException("[wandb] is not supported: the loss and learning rate go to loss.csv and loss.png in checkpointing.save_folder");
        if (!unknown.isEmpty()) throw new IllegalArgumentException("unknown section(s) " + unknown + " (known: " + new java.util.TreeSet<>(SECTIONS) + ")");

        ConfigSection s = section(root, "models");
        Path weights = path(base, s.string("weights", null));
        Path unet = checkpoint(base, s.table("unet")), te = checkpoint(base, s.table("text_encoder")), lda = checkpoint(base, s.table("lda"));
        s.checkKnown();
        if (weights != null && (unet != null || te != null || lda != null)) throw new IllegalArgumentException("models: give either models.weights or models.unet/text_encoder/lda checkpoints, not both");
        if (weights == null && (unet != null || te != null || lda != null) && (unet == null || te == null || lda == null))
            throw new IllegalArgumentException("models: models.unet, models.text_encoder and models.lda checkpoints go together");
        Models models = new Models(weights, unet, te, lda);

        s = section(root, "latent_diffusion");
        LatentDiffusion ld = new LatentDiffusion(s.number("unconditional_sampling_probability", 0.2, 0, 1), s.number("offset_noise", 0.1, 0, 10),
                (int) s.integer("min_step", 0, 0), (int) s.integer("max_step", 999, 0));
        s.checkKnown();
        if (ld.maxStep() > 999 || ld.minStep() > ld.maxStep()) throw new IllegalArgumentException("latent_diffusion: need 0 <= min_step <= max_step <= 999, got " + ld.minStep() + ", " + ld.maxStep());

        s = section(root, "lora");
        Lora lora = new Lora((int) s.integer("rank", 32, 1), s.number("scale", 1.0, -100, 100), s.string("trigger_phrase", ""),
                s.number("use_only_trigger_probability", 0.0, 0, 1), s.strings("unet_targets", List.of("CrossAttentionBlock2d")), s.strings("text_encoder_targets", List.of()));
        if (!s.strings("lda_targets", List.of()).isEmpty()) throw new IllegalArgumentException("lora.lda_targets: LoRAs on the autoencoder are not supported (leave it empty)");
        s.checkKnown();
        if (lora.unetTargets().isEmpty() && lora.textEncoderTargets().isEmpty()) throw new IllegalArgumentException("lora: unet_targets and text_encoder_targets are both empty: nothing to train");

        s = section(root, "training");
        Training training = new Training(s.time("duration", new TimeValue(1, TimeValue.Unit.EPOCH)), s.integer("seed", 0, Long.MIN_VALUE),
                (int) s.integer("batch_size", 1, 1), gradientAccumulation(s), s.optionalNumber("clip_grad_norm", 1e-12, Double.MAX_VALUE),
                s.time("evaluation_interval", new TimeValue(0, TimeValue.Unit.STEP)), s.integer("evaluation_seed", 0, Long.MIN_VALUE), device(s));
        if (s.has("dtype") && !s.string("dtype", "float32").equals("float32")) throw new IllegalArgumentException("training.dtype: only float32 training is supported, got " + s.string("dtype", ""));
        s.checkKnown();

        s = section(root, "optimizer");
        String opt = s.string("optimizer", "AdamW");
        if (!OPTIMIZERS.contains(opt)) throw new IllegalArgumentException("optimizer.optimizer: '" + opt + "' is not supported (supported: " + OPTIMIZERS + ")");
        OptimizerConfig optimizer = new OptimizerConfig(opt, s.number("learning_rate", 1e-4, 0, 1e3), s.numbers("betas", new double[] {0.9, 0.999}, 2),
                s.number("eps", 1e-8, 0, 1), s.number("weight_decay", 1e-2, 0, 1e3), s.number("momentum", 0, 0, 1));
        for (double b : optimizer.betas()) if (!(b >= 0 && b < 1)) throw new IllegalArgumentException("optimizer.betas must be in [0, 1), got " + b);
        s.checkKnown();

        s = section(root, "scheduler");
        String type = s.string("scheduler_type", "ConstantLR");
        if (!SCHEDULERS.contains(type)) throw new IllegalArgumentException("scheduler.scheduler_type: '" + type + "' is not supported (supported: " + SCHEDULERS + ")");
        TimeValue update = s.time("update_interval", new TimeValue(1, TimeValue.Unit.ITERATION));
        if (update.number() != 1 || update.unit() == TimeValue.Unit.EPOCH)
            throw new IllegalArgumentException("scheduler.update_interval: the learning rate is updated on every optimizer step (\"1:step\" or \"1:iteration\"), got " + update);
        Scheduler scheduler = new Scheduler(type, s.time("warmup", new TimeValue(0, TimeValue.Unit.STEP)), s.number("eta_min", 0, 0, 1e3));
        s.checkKnown();

        s = section(root, "dropout");
        Dropout dropout = new Dropout(s.number("dropout_probability", 0, 0, 1));
        if (dropout.dropoutProbability() != 0) throw new IllegalArgumentException("dropout.dropout_probability: dropout layers are not supported in LoRA training (use 0; caption dropout is latent_diffusion.unconditional_sampling_probability)");
        if (s.bool("use_gyro_dropout", false)) throw new IllegalArgumentException("dropout.use_gyro_dropout is not supported");
        s.checkKnown();

        s = section(root, "dataset");
        if (s.has("hf_repo") || s.has("revision")) throw new IllegalArgumentException("dataset.hf_repo: Hugging Face datasets are not supported: set dataset.folder to a folder of images with .txt captions");
        Path folder = path(base, s.string("folder", null));
        if (folder == null) throw new IllegalArgumentException("dataset.folder is required (a folder of images, each with a caption .txt beside it)");
        Dataset dataset = new Dataset(folder, (int) s.integer("resolution", 512, 64), s.string("caption_extension", ".txt"));
        if (dataset.resolution() % 8 != 0) throw new IllegalArgumentException("dataset.resolution must be a multiple of 8, got " + dataset.resolution());
        s.checkKnown();

        s = section(root, "checkpointing");
        Path save = path(base, s.string("save_folder", "checkpoints"));
        Checkpointing checkpointing = new Checkpointing(save, s.time("save_interval", new TimeValue(1, TimeValue.Unit.EPOCH)), s.string("name", "lora"),
                path(base, s.string("resume", null)));
        if (!checkpointing.name().matches("[A-Za-z0-9_+.-]+")) throw new IllegalArgumentException("checkpointing.name must be a plain file name, got '" + checkpointing.name() + "'");
        s.checkKnown();

        s = section(root, "test_diffusion");
        TestDiffusion test = new TestDiffusion((int) s.integer("num_inference_steps", 30, 1), s.bool("use_short_prompts", false), s.strings("prompts", List.of()),
                (int) s.integer("num_images_per_prompt", 1, 1), s.number("condition_scale", 7.5, 0, 50), (int) s.integer("size", dataset.resolution(), 64));
        if (test.size() % 8 != 0) throw new IllegalArgumentException("test_diffusion.size must be a multiple of 8, got " + test.size());
        s.checkKnown();
        return new LoraTrainingConfig(models, ld, lora, training, optimizer, scheduler, dropout, dataset, checkpointing, test);
    }

    private static ConfigSection section(JsonNode root, String name) {
        return new ConfigSection(name, root.get(name));
    }

    private static Path path(Path base, String p) {
        return p == null || p.isBlank() ? null : base.resolve(p).normalize();
    }

    private static Path checkpoint(Path base, ConfigSection table) {
        if (table == null) return null;
        String p = table.string("checkpoint", null);
        if (table.bool("train", false)) throw new IllegalArgumentException(table.key("train") + ": base models stay frozen in LoRA training (only the LoRAs train)");
        table.checkKnown();
        if (p == null) throw new IllegalArgumentException(table.key("checkpoint") + " is required");
        return path(base, p);
    }

    /** "4:step" as refiners writes it, or a plain number of steps. */
    private static long gradientAccumulation(ConfigSection s) {
        TimeValue t = s.time("gradient_accumulation", new TimeValue(1, TimeValue.Unit.STEP));
        if (t.unit() != TimeValue.Unit.STEP || t.number() < 1) throw new IllegalArgumentException(s.key("gradient_accumulation") + " must be a positive number of steps, e.g. \"4:step\", got " + t);
        return t.number();
    }

    /** cpu or cuda (gpu_index picks the device, as refiners' config); absent: the runner's device (null). */
    private static String device(ConfigSection s) {
        String d = s.string("device", null);
        if (d == null) return null;
        long gpu = s.integer("gpu_index", 0, 0);
        if (!d.equals("cpu") && !d.equals("cuda")) throw new IllegalArgumentException(s.key("device") + " must be cpu or cuda, got " + d);
        return d.equals("cuda") ? "cuda:" + gpu : "cpu";
    }
}
