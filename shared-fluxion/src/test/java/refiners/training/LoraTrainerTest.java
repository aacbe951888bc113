package refiners.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import refiners.FullSizeModels;
import refiners.conversion.LoraFile;
import refiners.conversion.LoraFormats;
import refiners.fluxion.Tensor;
import refiners.fluxion.Tensors;
import refiners.fluxion.adapters.LoraSlots;
import refiners.fluxion.adapters.LoraWeights;
import refiners.fluxion.compile.CompileOptions;
import refiners.fluxion.runtime.Runner;
import refiners.foundationals.latent_diffusion.CrossAttentionBlock;
import refiners.foundationals.latent_diffusion.solvers.DDPM;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1Models;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1UNet;

/**
 * LoRA training end to end on a tiny synthetic set (4 images of 64x64 drawn here, so 8x8 latents) with the full-size
 * detinit UNet: the loss on a fixed set of (image, timestep, noise) falls clearly, checkpoints in both formats load
 * through the LoRA loader and give the in-memory LoRA's outputs, and a run resumed from a training state ends where
 * the uninterrupted run ends.
 */
@FullSizeModels
class LoraTrainerTest {
    private static final int STEPS = 20;
    /** Where the resumed run starts: the last training state before the end (checkpoints every 5 steps). */
    private static final int RESUME = 15;
    private static final List<String> CAPTIONS = List.of("a red square", "a blue disc", "green stripes", "a yellow gradient");
    @TempDir
    static Path dir;
    static SD1Models models;
    static LoraTrainer.Outcome outcome;
    static LoraTrainingConfig config;
    /** Untrained models whose UNet has LoRA slots (as unet-svc serves LoRAs) and the fixed set: one session for both tests that load the files. */
    static SD1Models fresh;
    /** The untrained models' layer shapes, read before the slots went in (what the LoRA loader checks files against). */
    static Map<String, long[]> unetKeys, teKeys;
    static LoraSlots slots;
    static FixedSet set;

    @BeforeAll
    static void train() throws Exception {
        Path data = Files.createDirectories(dir.resolve("data"));
        for (int i = 0; i < CAPTIONS.size(); i++) {
            ImageIO.write(image(i), "png", data.resolve("img" + i + ".png").toFile());
            Files.writeString(data.resolve("img" + i + ".txt"), CAPTIONS.get(i));
        }
        Files.writeString(dir.resolve("lora.toml"), config(STEPS, "out"));
        config = LoraTrainingConfig.load(dir.resolve("lora.toml"));
        models = SD1Models.detinit();
        outcome = new LoraTrainer(config, models).train(listener());
        fresh = SD1Models.detinit();
        unetKeys = fresh.unet().stateDictShapes();
        teKeys = fresh.textEncoder().stateDictShapes();
        slots = LoraSlots.install(fresh.unet(), l -> true);
        set = new FixedSet(fresh);
    }

    static String config(int steps, String out) {
        return """
                [latent_diffusion]
                unconditional_sampling_probability = 0.0
                offset_noise = 0.1
                [lora]
                rank = 4
                trigger_phrase = "a sks picture of"
                use_only_trigger_probability = 0.0
                unet_targets = ["CrossAttentionBlock2d"]
                [training]
                duration = "%d:step"
                seed = 3
                batch_size = 1
                clip_grad_norm = 1.0
                evaluation_interval = "%d:step"
                [optimizer]
                optimizer = "AdamW"
                learning_rate = 3e-3
                [scheduler]
                scheduler_type = "ConstantLR"
                warmup = "2:step"
                [dataset]
                folder = "data"
                resolution = 64
                [checkpointing]
                save_folder = "%s"
                save_interval = "5:step"
                [test_diffusion]
                prompts = ["a sks picture of a red square"]
                num_inference_steps = 2
                size = 64
                """.formatted(steps, steps, out);
    }

    /** How checkpoint and evaluation file names number a step. */
    static String step(int s) {
        return String.format("step%06d", s);
    }

    static LoraTrainer.Listener listener() {
        return new LoraTrainer.Listener() {
            @Override
            public void log(String message) {
                System.out.println(message);
            }

            @Override
            public void step(LossLog.Row row, long total, long first, double elapsed) {
                System.out.printf("step %d/%d loss %.4f lr %.2e (%.1f s)%n", row.step() + 1, total, row.loss(), row.learningRate(), elapsed);
            }
        };
    }

    /** Four distinct pictures: a red square, a blue disc, green stripes, a yellow gradient. */
    static BufferedImage image(int i) {
        BufferedImage img = new BufferedImage(64, 64, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(i == 1 ? Color.BLACK : Color.WHITE);
        g.fillRect(0, 0, 64, 64);
        switch (i) {
            case 0 -> {
                g.setColor(Color.RED);
                g.fillRect(16, 16, 32, 32);
            }
            case 1 -> {
                g.setColor(Color.BLUE);
                g.fillOval(12, 12, 40, 40);
            }
            case 2 -> {
                g.setColor(new Color(0, 160, 0));
                for (int y = 0; y < 64; y += 16) g.fillRect(0, y, 64, 8);
            }
            default -> {
                for (int x = 0; x < 64; x++) {
                    g.setColor(new Color(255, 255, x * 4));
                    g.drawLine(x, 0, x, 63);
                }
            }
        }
        g.dispose();
        return img;
    }

    @Test
    void writesTheLogPlotCheckpointsAndEvaluationImages() throws Exception {
        Path out = config.checkpointing().saveFolder();
        List<String> csv = Files.readAllLines(out.resolve("loss.csv"));
        assertEquals(LossLog.HEADER, csv.get(0));
        assertEquals(STEPS + 1, csv.size());
        assertEquals(STEPS, outcome.rows().size());
        for (String f : List.of("loss.png", "eval/" + step(STEPS) + "-prompt0-0.png", "lora-step000010.safetensors", "lora-step000020-kohya.safetensors",
                "training-state-" + step(STEPS) + ".safetensors", "lora.safetensors", "lora-kohya.safetensors"))
            assertTrue(Files.size(out.resolve(f)) > 0, f);
        assertEquals(900, ImageIO.read(out.resolve("loss.png").toFile()).getWidth());
    }

    @Test
    void lossFallsOnAFixedSet() {
        LoraFile file = LoraFormats.read(outcome.refinersLora(), "trained", unetKeys, teKeys);
        double before = set.loss(fresh.unet(), slots.feeds(List.of()));
        double after = set.loss(fresh.unet(), slots.feeds(file.unetWeights(1.0)));
        System.out.printf("fixed-set loss: base %.4f, trained LoRA %.4f%n", before, after);
        assertTrue(after < 0.8 * before, "loss on the fixed set " + before + " -> " + after);
    }

    @Test
    void checkpointsLoadThroughTheLoraLoaderWithTheSameOutputs() {
        TrainableLoras trained = outcome.loras().get(0);
        Tensor inMemory = set.prediction(models.unet(), trained.contexts());
        for (Path f : List.of(outcome.refinersLora(), outcome.kohyaLora())) {
            LoraFile file = LoraFormats.read(f, "trained", unetKeys, teKeys);
            List<LoraWeights> weights = file.unetWeights(1.0);
            assertEquals(trained.loras().size(), weights.size(), f + ": layers");
            for (LoraWeights w : weights) {
                TrainableLoras.Lora l = trained.loras().get(w.target());
                assertEquals(1.0, w.factor(), 0.0, f + ": factor");
                assertArrayEquals(l.down().value(), w.down().toFloatArray(), f + ": " + w.target() + " down");
                assertArrayEquals(l.up().value(), w.up().toFloatArray(), f + ": " + w.target() + " up");
            }
            Tensor loaded = set.prediction(fresh.unet(), slots.feeds(weights));
            float[] a = inMemory.toFloatArray(), b = loaded.toFloatArray();
            for (int i = 0; i < a.length; i++) assertEquals(a[i], b[i], 1e-5f * Math.max(1, Math.abs(a[i])), f + ": prediction element " + i);
        }
    }

    @Test
    void aResumedRunEndsWhereTheUninterruptedRunEnds() throws Exception {
        Files.writeString(dir.resolve("resume.toml"), config(STEPS, "resumed")
                .replace("[checkpointing]", "[checkpointing]\nresume = \"out/training-state-" + step(RESUME) + ".safetensors\"")
                .replace("prompts = [\"a sks picture of a red square\"]", "prompts = []")); // evaluation images do not change training
        LoraTrainer.Outcome resumed = new LoraTrainer(LoraTrainingConfig.load(dir.resolve("resume.toml")), SD1Models.detinit()).train(listener());
        assertEquals(STEPS - RESUME, resumed.rows().size());
        List<Parameter> a = outcome.loras().get(0).parameters(), b = resumed.loras().get(0).parameters();
        for (int i = 0; i < a.size(); i++) assertArrayEquals(a.get(i).value(), b.get(i).value(), a.get(i).name());
    }

    /** The training latents, each at timesteps 200, 500 and 800 with fixed noise, and the caption embeddings. */
    private static final class FixedSet {
        final Tensor noisy, noise, embedding;
        final List<Tensor> timesteps = new ArrayList<>();
        final List<Tensor> noisyPerTimestep = new ArrayList<>();

        FixedSet(SD1Models m) {
            List<CaptionedImageFolder.Item> items = CaptionedImageFolder.read(config.dataset().folder(), ".txt");
            List<Tensor> latents = LatentCache.latents(items, 64, config.checkpointing().saveFolder().resolve("latents-64.safetensors"), x -> {
                throw new AssertionError("latents should come from the training run's cache");
            }, s -> {});
            Tensor x = Tensors.concat(latents);
            noise = DiffusionNoise.sample(new Random(99), x.shape(), 0);
            embedding = m.textEncoder().encode(items.stream().map(it -> "a sks picture of " + it.caption()).toList());
            DDPM ddpm = new DDPM(1000);
            for (int step : new int[] {799, 499, 199}) {
                timesteps.add(Tensor.ofLongs(new long[] {1}, (long) ddpm.timestep(step)));
                noisyPerTimestep.add(Tensor.ofFloats(x.shape(), ddpm.addNoise(x.toFloatArray(), noise.toFloatArray(), step)));
            }
            noisy = noisyPerTimestep.get(1);
        }

        Tensor prediction(SD1UNet unet, Map<String, Map<String, Object>> loraFeeds) {
            return run(unet, loraFeeds, 1);
        }

        private Tensor run(SD1UNet unet, Map<String, Map<String, Object>> loraFeeds, int k) {
            Map<String, Map<String, Object>> ctx = new LinkedHashMap<>(loraFeeds);
            ctx.put("diffusion", Map.of("timestep", timesteps.get(k)));
            ctx.put(CrossAttentionBlock.CONTEXT, Map.of("clip_text_embedding", embedding));
            // slot tensors of any rank (none: rank-1 zeros) in one session
            return Runner.shared().run(unet, LoraSlots.options(CompileOptions.defaults()), List.of(noisyPerTimestep.get(k)), ctx).output();
        }

        double loss(SD1UNet unet, Map<String, Map<String, Object>> loraFeeds) {
            double sum = 0;
            float[] target = noise.toFloatArray();
            for (int k = 0; k < timesteps.size(); k++) {
                float[] p = run(unet, loraFeeds, k).toFloatArray();
                for (int i = 0; i < p.length; i++) sum += (p[i] - target[i]) * (double) (p[i] - target[i]);
            }
            return sum / (timesteps.size() * (double) target.length);
        }
    }
}
