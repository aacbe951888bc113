package refiners.training;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import refiners.fluxion.Tensor;
import refiners.fluxion.Tensors;
import refiners.fluxion.adapters.LoraWeights;
import refiners.fluxion.compile.CompileOptions;
import refiners.fluxion.runtime.Runner;
import refiners.fluxion.utils.Images;
import refiners.foundationals.latent_diffusion.solvers.DDPM;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.GenerationRequest;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.LocalStages;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.ProgressListener;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1Models;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.StableDiffusion_1;

/**
 * LoRA fine-tuning of Stable Diffusion 1.x, as refiners' LoraLatentDiffusionTrainer: a batch of cached latents with
 * their captions (trigger phrase, unconditional dropout), one DDPM timestep for the batch, offset noise, the
 * epsilon-prediction MSE loss, gradients of the LoRAs only, gradient accumulation and clipping, AdamW or SGD with a
 * learning-rate schedule; checkpoints (refiners and kohya LoRA files, a resumable training state, loss.csv and
 * loss.png) and evaluation images at the configured intervals. The data order and each step's randomness derive
 * from the seed and the step number: the same config gives the same run, and a resumed run continues it.
 */
public final class LoraTrainer {
    /** Progress: messages, then one call per step. */
    public interface Listener {
        void log(String message);

        void step(LossLog.Row row, long totalSteps, long firstStep, double elapsedSeconds);
    }

    /** What a run produced: the trained LoRAs (in memory, on the models' slots) and their files. */
    public record Outcome(long steps, List<TrainableLoras> loras, Path refinersLora, Path kohyaLora, List<LossLog.Row> rows) {}

    private final LoraTrainingConfig config;
    private final SD1Models models;
    private final Runner runner;
    private LocalStages evalStages;

    public LoraTrainer(LoraTrainingConfig config, SD1Models models) {
        this(config, models, Runner.shared());
    }

    /** On {@code runner}: its configuration (device, threads) runs every graph of the training. */
    public LoraTrainer(LoraTrainingConfig config, SD1Models models, Runner runner) {
        this.config = config;
        this.models = models;
        this.runner = runner;
    }

    public Outcome train(Listener listener) {
        LoraTrainingConfig.Lora lc = config.lora();
        LoraTrainingConfig.Training tc = config.training();
        Path save = config.checkpointing().saveFolder();
        createDirectories(save);
        List<CaptionedImageFolder.Item> items = CaptionedImageFolder.read(config.dataset().folder(), config.dataset().captionExtension());
        int batch = tc.batchSize();
        if (items.size() < batch) throw new IllegalArgumentException("training.batch_size " + batch + " exceeds the " + items.size() + " images of dataset.folder");
        long perEpoch = items.size() / batch, perIteration = tc.gradientAccumulation();
        long total = ceilTo(tc.duration().steps(perIteration, perEpoch), perIteration);
        if (total == 0) throw new IllegalArgumentException("training.duration " + tc.duration() + " is zero steps");
        long saveEvery = config.checkpointing().saveInterval().steps(perIteration, perEpoch);
        long evalEvery = config.testDiffusion().prompts().isEmpty() ? 0 : tc.evaluationInterval().steps(perIteration, perEpoch);
        long warmup = config.scheduler().warmup().steps(perIteration, perEpoch) / perIteration;
        LearningRateSchedule schedule = new LearningRateSchedule(config.scheduler().schedulerType(), config.optimizer().learningRate(), warmup,
                total / perIteration, config.scheduler().etaMin());
        listener.log(String.format("dataset: %d images, batch %d, %d steps per epoch; %d steps (%d optimizer updates)", items.size(), batch, perEpoch, total, total / perIteration));

        CompileOptions options = CompileOptions.defaults();
        List<Tensor> latents = LatentCache.latents(items, config.dataset().resolution(), save.resolve("latents-" + config.dataset().resolution() + ".safetensors"),
                image -> models.autoencoder().encode(image, options, runner), listener::log);
        SD1Models evalModels = evalEvery > 0 ? BaseModels.sharingWeights(models) : null;

        TrainableLoras unetLoras = TrainableLoras.install(models.unet(), "unet", lc.unetTargets(), lc.rank(), lc.scale());
        unetLoras.initialize(new Random(tc.seed()));
        TrainableLoras teLoras = null;
        if (!lc.textEncoderTargets().isEmpty()) {
            teLoras = TrainableLoras.install(models.textEncoder(), "text_encoder", lc.textEncoderTargets(), lc.rank(), lc.scale());
            teLoras.initialize(new Random(tc.seed() + 1));
        }
        List<TrainableLoras> trained = teLoras == null ? List.of(unetLoras) : List.of(unetLoras, teLoras);
        List<Parameter> parameters = new ArrayList<>();
        for (TrainableLoras t : trained) parameters.addAll(t.parameters());
        long count = parameters.stream().mapToLong(p -> p.value().length).sum();
        listener.log(String.format("LoRAs: rank %d on %d UNet layers%s, %d parameters", lc.rank(), unetLoras.loras().size(),
                teLoras == null ? "" : " and " + teLoras.loras().size() + " text encoder layers", count));

        Optimizer optimizer = config.optimizer().create();
        long done = 0;
        if (config.checkpointing().resume() != null) {
            done = TrainingState.read(config.checkpointing().resume(), trained, optimizer);
            if (done > total) throw new IllegalArgumentException("checkpointing.resume: " + config.checkpointing().resume() + " is at step " + done + ", past the " + total + " steps of training.duration");
            listener.log("resumed from " + config.checkpointing().resume() + " at step " + done);
        }

        LossLog log = new LossLog(save.resolve("loss.csv"), done);
        DDPM ddpm = new DDPM(1000);
        Map<String, Tensor> embeddings = new LinkedHashMap<>(64, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Tensor> e) {
                return size() > 1024;
            }
        };
        List<float[]> accumulated = null;
        long t0 = System.nanoTime(), firstStep = done;
        int[] order = null;
        long orderEpoch = -1, lastCheckpoint = done, lastEvaluation = done;
        try (LoraTrainingStep step = new LoraTrainingStep(models.unet(), unetLoras, teLoras == null ? null : models.textEncoder(), teLoras, options, runner)) {
            for (long s = done; s < total; s++) {
                long epoch = s / perEpoch;
                if (epoch != orderEpoch) {
                    order = permutation(items.size(), new Random(mix(tc.seed(), -1 - epoch)));
                    orderEpoch = epoch;
                }
                Random rng = new Random(mix(tc.seed(), s));
                List<String> captions = new ArrayList<>();
                List<Tensor> xs = new ArrayList<>();
                for (int b = 0; b < batch; b++) {
                    int i = order[(int) (s % perEpoch) * batch + b];
                    captions.add(processCaption(items.get(i).caption(), rng));
                    xs.add(latents.get(i));
                }
                Tensor x = Tensors.concat(xs);
                int ddpmStep = config.latentDiffusion().minStep() + rng.nextInt(config.latentDiffusion().maxStep() - config.latentDiffusion().minStep() + 1);
                int timestep = (int) ddpm.timestep(ddpmStep);
                Tensor noise = DiffusionNoise.sample(rng, x.shape(), config.latentDiffusion().offsetNoise());
                Tensor noisy = Tensor.ofFloats(x.shape(), ddpm.addNoise(x.toFloatArray(), noise.toFloatArray(), ddpmStep));
                Tensor t = Tensor.ofLongs(new long[] {1}, timestep);
                LoraTrainingStep.Result r = teLoras != null
                        ? step.runWithTextEncoder(noisy, noise, t, models.textEncoder().tokenizer().tokenize(captions))
                        : step.run(noisy, noise, t, embed(captions, embeddings, options));
                if (!Double.isFinite(r.loss())) throw new IllegalStateException("the loss is " + r.loss() + " at step " + s + ": lower optimizer.learning_rate or set training.clip_grad_norm");
                List<float[]> grads = new ArrayList<>(r.unetGradients());
                grads.addAll(r.textEncoderGradients());
                accumulated = accumulate(accumulated, grads, 1.0 / perIteration);
                long iteration = s / perIteration;
                double lr = schedule.at(iteration);
                boolean update = (s + 1) % perIteration == 0;
                if (update) {
                    if (tc.clipGradNorm() != null) GradientClipping.clipByGlobalNorm(accumulated, tc.clipGradNorm());
                    optimizer.step(parameters, accumulated, lr);
                    accumulated = null;
                }
                LossLog.Row row = new LossLog.Row(s, iteration, epoch, r.loss(), lr, timestep, (System.nanoTime() - t0) / 1e9);
                log.add(row);
                listener.step(row, total, firstStep, row.seconds());
                // at optimizer updates only (no half-accumulated gradients to lose), once an interval has passed
                if (update && (crossed(saveEvery, lastCheckpoint, s + 1) || s + 1 == total)) {
                    checkpoint(s + 1, trained, optimizer, log, listener);
                    lastCheckpoint = s + 1;
                }
                if (update && crossed(evalEvery, lastEvaluation, s + 1)) {
                    evaluate(s + 1, evalModels, unetLoras, teLoras, listener);
                    lastEvaluation = s + 1;
                }
            }
        }
        if (done == total) checkpoint(total, trained, optimizer, log, listener);
        Map<String, String> meta = metadata(total);
        Path refinersFile = save.resolve(config.checkpointing().name() + ".safetensors"), kohyaFile = save.resolve(config.checkpointing().name() + "-kohya.safetensors");
        LoraCheckpoint.writeRefiners(refinersFile, trained, meta);
        LoraCheckpoint.writeKohya(kohyaFile, trained, meta);
        listener.log("wrote " + refinersFile + " (refiners format) and " + kohyaFile + " (kohya format)");
        return new Outcome(total, trained, refinersFile, kohyaFile, List.copyOf(log.rows()));
    }

    /** refiners' caption processing: the trigger phrase (alone with use_only_trigger_probability), then unconditional dropout. */
    private String processCaption(String caption, Random rng) {
        LoraTrainingConfig.Lora lc = config.lora();
        if (!lc.triggerPhrase().isEmpty()) caption = rng.nextDouble() < lc.useOnlyTriggerProbability() ? lc.triggerPhrase() : lc.triggerPhrase() + " " + caption;
        if (rng.nextDouble() < config.latentDiffusion().unconditionalSamplingProbability()) caption = "";
        return caption;
    }

    /** Text embeddings of the captions (frozen text encoder: each distinct caption is encoded once). */
    private Tensor embed(List<String> captions, Map<String, Tensor> cache, CompileOptions options) {
        List<Tensor> out = new ArrayList<>();
        for (String c : captions) out.add(cache.computeIfAbsent(c, k -> runner.run(models.textEncoder(), options, List.of(models.textEncoder().tokenizer().tokenize(List.of(k)))).output()));
        return Tensors.concat(out);
    }

    private void checkpoint(long steps, List<TrainableLoras> trained, Optimizer optimizer, LossLog log, Listener listener) {
        Path save = config.checkpointing().saveFolder();
        String tag = String.format("step%06d", steps);
        Map<String, String> meta = metadata(steps);
        Path lora = save.resolve(config.checkpointing().name() + "-" + tag + ".safetensors");
        LoraCheckpoint.writeRefiners(lora, trained, meta);
        LoraCheckpoint.writeKohya(save.resolve(config.checkpointing().name() + "-" + tag + "-kohya.safetensors"), trained, meta);
        TrainingState.write(save.resolve("training-state-" + tag + ".safetensors"), steps, trained, optimizer, meta);
        LossPlot.write(save.resolve("loss.png"), log.rows(), "LoRA training loss (" + config.checkpointing().name() + ", step " + steps + ")");
        listener.log("checkpoint " + lora.getFileName() + " (+ kohya format, training state, loss.png)");
    }

    private void evaluate(long steps, SD1Models evalModels, TrainableLoras unetLoras, TrainableLoras teLoras, Listener listener) {
        LoraTrainingConfig.TestDiffusion td = config.testDiffusion();
        if (evalStages == null) // the in-process pipeline on its own models (same mapped weights), fed the current LoRA values
            evalStages = new LocalStages(evalModels, LocalStages.DEFAULT_OPTIONS, new LocalStages.LoraSource() {
                @Override
                public List<LoraWeights> unet(List<GenerationRequest.LoraWeight> loras) {
                    return unetLoras.weights();
                }

                @Override
                public List<LoraWeights> textEncoder(List<GenerationRequest.LoraWeight> loras) {
                    return teLoras == null ? List.of() : teLoras.weights();
                }
            }, runner);
        evalStages.clearLoraCache();
        Path dir = config.checkpointing().saveFolder().resolve("eval");
        createDirectories(dir);
        long t0 = System.nanoTime();
        for (int p = 0; p < td.prompts().size(); p++) {
            String prompt = td.useShortPrompts() ? td.prompts().get(p).split(",")[0] : td.prompts().get(p);
            for (int i = 0; i < td.numImagesPerPrompt(); i++) {
                GenerationRequest req = new GenerationRequest(prompt, "", td.numInferenceSteps(), td.conditionScale(), "dpm", td.size(), td.size(),
                        config.training().evaluationSeed() + i, List.of(new GenerationRequest.LoraWeight("training", 1.0)));
                Tensor image = StableDiffusion_1.generate(req, evalStages, ProgressListener.NONE).image();
                try {
                    Files.write(dir.resolve(String.format("step%06d-prompt%d-%d.png", steps, p, i)), Images.toPng(image));
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot write an evaluation image in " + dir, e);
                }
            }
        }
        listener.log(String.format("evaluation images for step %d in %s (%.1f s)", steps, dir, (System.nanoTime() - t0) / 1e9));
    }

    private Map<String, String> metadata(long steps) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("refiners_trainer", "refiners-java finetune-lora");
        m.put("steps", Long.toString(steps));
        m.put("rank", Integer.toString(config.lora().rank()));
        m.put("unet_targets", String.join(",", config.lora().unetTargets()));
        m.put("text_encoder_targets", String.join(",", config.lora().textEncoderTargets()));
        return m;
    }

    private static List<float[]> accumulate(List<float[]> sum, List<float[]> grads, double factor) {
        if (sum == null) {
            sum = new ArrayList<>();
            for (float[] g : grads) sum.add(new float[g.length]);
        }
        for (int k = 0; k < grads.size(); k++) {
            float[] s = sum.get(k), g = grads.get(k);
            for (int i = 0; i < g.length; i++) s[i] += (float) (g[i] * factor);
        }
        return sum;
    }

    /** Whether a multiple of {@code every} lies in (last, now]. */
    private static boolean crossed(long every, long last, long now) {
        return every > 0 && now / every > last / every;
    }

    private static long ceilTo(long n, long multiple) {
        return (n + multiple - 1) / multiple * multiple;
    }

    private static int[] permutation(int n, Random rng) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1), tmp = p[i];
            p[i] = p[j];
            p[j] = tmp;
        }
        return p;
    }

    /** A seed for (run seed, step): SplitMix64's finalizer over both. */
    static long mix(long seed, long step) {
        long z = seed * 0x9E3779B97F4A7C15L + step;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private static void createDirectories(Path p) {
        try {
            Files.createDirectories(p);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + p, e);
        }
    }
}
