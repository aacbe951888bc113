package refiners.foundationals.latent_diffusion.stable_diffusion_1;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiPredicate;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import refiners.FullSizeModels;
import refiners.fluxion.DType;
import refiners.fluxion.DetInit;
import refiners.fluxion.Tensor;
import refiners.fluxion.adapters.LoraWeights;
import refiners.fluxion.runtime.Runner;
import refiners.fluxion.runtime.RuntimeConfig;
import refiners.foundationals.latent_diffusion.GaussianNoise;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.GenerationRequest.LoraWeight;

/**
 * Steps of several generations in one UNet call give each generation exactly (bit for bit) what it gets alone:
 * different prompts, timesteps, guidance scales, LoRA sets of different ranks (Linear layers up to 5120 inputs, 1x1
 * convolutions, a rank-1 set), ControlNet conditions and scales, inpainting conditions. Full-size detinit UNets.
 */
@FullSizeModels
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BatchedUNetTest {
    @TempDir
    static Path dir;

    static LocalUNet unet;
    /** The runner of {@link #unet}: its sessions (one per UNet graph: the costly part) serve every test. */
    static Runner runner;
    static final long[] LATENTS = {1, 4, 8, 8};
    static final Map<String, List<LoraWeights>> LORAS = new HashMap<>();
    static LocalStages.LoraSource source;

    /** A detinit LoRA of {@code rank} on every layer {@code which} accepts (key, shape of its weight). */
    static List<LoraWeights> lora(String name, int rank, Map<String, long[]> shapes, BiPredicate<String, long[]> which) {
        List<LoraWeights> out = new ArrayList<>();
        shapes.forEach((key, shape) -> {
            if (!key.endsWith(".weight") || !which.test(key, shape)) return;
            String target = key.substring(0, key.length() - ".weight".length());
            long[] down = shape.clone(), up = shape.length == 2 ? new long[] {shape[0], rank} : new long[] {shape[0], rank, 1, 1};
            down[0] = rank;
            if (shape.length == 4) down[1] = shape[1];
            out.add(new LoraWeights(target, DetInit.tensor("down:" + name + target, down, 21), DetInit.tensor("up:" + name + target, up, 22), 0.75));
        });
        if (out.isEmpty()) throw new IllegalStateException("no layer for LoRA " + name);
        return out;
    }

    static boolean linear(long[] shape) {
        return shape.length == 2;
    }

    static boolean conv(long[] shape, long k) {
        return shape.length == 4 && shape[2] == k;
    }

    @BeforeAll
    static void stage() throws Exception {
        Path file = ControlnetLibrary.detinitFile();
        Files.createLink(dir.resolve("edges.safetensors"), file);
        Files.createDirectories(dir.resolve("ip"));
        Files.createLink(dir.resolve("ip/plain.safetensors"), IpAdapterLibrary.detinitFile(false));
        Files.createLink(dir.resolve("ip/plus.safetensors"), IpAdapterLibrary.detinitFile(true));
        SD1UNet model = SD1Models.unet(SD1Weights.detinit());
        Map<String, long[]> shapes = model.stateDictShapes();
        // attention Linears of the first down block, rank 4; the widest Linears (5120 inputs) and the 1x1 convolutions, rank 40
        LORAS.put("attention", lora("attention", 4, shapes, (k, s) -> linear(s) && k.startsWith("DownBlocks.Chain_2.") && k.contains("Attention")));
        LORAS.put("wide", lora("wide", 40, shapes, (k, s) -> linear(s) && s[1] == 5120 || conv(s, 1)));
        LORAS.put("thin", lora("thin", 1, shapes, (k, s) -> linear(s) && k.startsWith("UpBlocks.Chain_12.")));
        LORAS.put("locon", lora("locon", 4, shapes, (k, s) -> conv(s, 3) && k.startsWith("UpBlocks.Chain_12.")));
        source = new LocalStages.LoraSource() {
            @Override
            public List<LoraWeights> unet(List<LoraWeight> set) {
                List<LoraWeights> out = new ArrayList<>();
                for (LoraWeight w : set)
                    for (LoraWeights l : LORAS.get(w.name())) out.add(new LoraWeights(l.target(), l.down(), l.up(), l.factor() * w.scale()));
                return out;
            }

            @Override
            public List<LoraWeights> textEncoder(List<LoraWeight> set) {
                return List.of();
            }
        };
        // room for every graph of the class (a dozen): with the default 4 the UNet's own sessions were evicted by the
        // adapter sets' and compiled again
        runner = new Runner(RuntimeConfig.defaults().withSessionCacheSize(16));
        unet = new LocalUNet(model, SD1Models.inpaintingUnet(SD1Weights.detinit()), new ControlnetLibrary(dir), new IpAdapterLibrary(dir.resolve("ip")),
                LocalStages.DEFAULT_OPTIONS, source, runner);
    }

    static SD1Stages.Conditioning text(int seed, double guidance, List<LoraWeight> loras) {
        return new SD1Stages.Conditioning(GaussianNoise.sample(seed, 1, 77, 768), GaussianNoise.sample(seed + 1, 1, 77, 768), guidance, loras, LATENTS);
    }

    static LocalUNet.Step step(SD1Stages.Conditioning c, int seed, double timestep) {
        return new LocalUNet.Step(unet.open(c), timestep, GaussianNoise.sample(seed, LATENTS));
    }

    /** Each step alone, then all in one call (in another order): the same bits. */
    static void assertCompanyChangesNothing(List<LocalUNet.Step> steps) {
        List<float[]> alone = new ArrayList<>();
        for (LocalUNet.Step s : steps) alone.add(s.generation().guidedNoise(0, s.timestep(), s.latents()).toFloatArray());
        List<LocalUNet.Step> reversed = new ArrayList<>(steps);
        java.util.Collections.reverse(reversed);
        List<Tensor> together = unet.guidedNoise(reversed);
        for (int i = 0; i < steps.size(); i++) {
            float[] batched = together.get(steps.size() - 1 - i).toFloatArray();
            int differing = 0;
            for (int j = 0; j < batched.length; j++) if (Float.floatToRawIntBits(batched[j]) != Float.floatToRawIntBits(alone.get(i)[j])) differing++;
            assertEquals(0, differing, "generation " + i + ": values that differ from its step alone");
        }
        for (int i = 1; i < steps.size(); i++) assertFalse(Arrays.equals(alone.get(0), alone.get(i)), "generations 0 and " + i + " gave the same noise");
    }

    @Test
    void textToImageWithMixedLoraSetsRanksAndTimesteps() {
        assertCompanyChangesNothing(List.of(
                step(text(1, 7.5, List.of()), 11, 999),
                step(text(3, 5.0, List.of(new LoraWeight("attention", 0.8f))), 12, 500),
                step(text(5, 7.5, List.of(new LoraWeight("attention", 1f), new LoraWeight("wide", 0.5f))), 13, 250.5),
                step(text(7, 9.0, List.of(new LoraWeight("thin", 1f))), 14, 10)));
    }

    /**
     * A call in which no sample has a LoRA runs on the UNet without slots (a session of its own over the same
     * weights), one with a LoRA on the slotted UNet: a LoRA-free generation gets the same bits either way, and the same
     * as from a UNet that has no slots at all (the in-process pipeline without a LoRA folder). Runs first: it counts
     * the class's sessions from none (closing any), and the two it compiles serve the other tests.
     */
    @Test
    @Order(1)
    void loraFreeCallsRunWithoutSlotsWithTheSameBits() {
        try (Runner plainRunner = new Runner(RuntimeConfig.defaults())) {
            LocalUNet plain = new LocalUNet(SD1Models.unet(SD1Weights.detinit()), LocalStages.DEFAULT_OPTIONS, null, plainRunner);
            Tensor x = GaussianNoise.sample(11, LATENTS), y = GaussianNoise.sample(12, LATENTS);
            var a = text(1, 7.5, List.of());
            var b = text(3, 5.0, List.of());
            runner.close();
            List<Tensor> loraFree = unet.guidedNoise(List.of(new LocalUNet.Step(unet.open(a), 999, x), new LocalUNet.Step(unet.open(b), 500, y)));
            assertEquals(1, runner.sessionCount(), "a LoRA-free call compiles the slot-free UNet only");
            List<Tensor> mixed = unet.guidedNoise(List.of(new LocalUNet.Step(unet.open(a), 999, x),
                    new LocalUNet.Step(unet.open(text(5, 7.5, List.of(new LoraWeight("attention", 1f)))), 250, y)));
            assertEquals(2, runner.sessionCount(), "a call with a LoRA runs on the slotted UNet");
            float[] inProcess = plain.open(a).guidedNoise(0, 999, x).toFloatArray();
            assertBits(inProcess, unet.open(a).guidedNoise(0, 999, x).toFloatArray(), "alone, slot-free");
            assertBits(inProcess, loraFree.get(0).toFloatArray(), "in a LoRA-free batch");
            assertBits(inProcess, mixed.get(0).toFloatArray(), "beside a LoRA, slotted");
            assertBits(plain.open(b).guidedNoise(0, 500, y).toFloatArray(), loraFree.get(1).toFloatArray(), "the second of a LoRA-free batch");
        }
    }

    static void assertBits(float[] expected, float[] actual, String what) {
        int differing = 0;
        for (int j = 0; j < expected.length; j++) if (Float.floatToRawIntBits(expected[j]) != Float.floatToRawIntBits(actual[j])) differing++;
        assertEquals(0, differing, what + ": values that differ from the UNet without slots");
    }

    @Test
    void aGuidanceOffGenerationIsOneSampleAndRunsAlone() {
        // ONNX Runtime's batch-1 kernels round differently from its larger batches (which agree with each other): a
        // one-sample step shared with others would not give its pixels alone, so it shares no call
        LocalUNet.Step off = step(text(21, 1.0, List.of()), 11, 999);
        LocalUNet.Step alsoOff = step(new SD1Stages.Conditioning(GaussianNoise.sample(25, 1, 77, 768), null, 0.0, List.of(), LATENTS), 13, 250);
        assertEquals(1, off.generation().samples());
        assertEquals(2, unet.open(text(21, 1.5, List.of())).samples());
        assertNotEquals(off.generation().batchKey(), alsoOff.generation().batchKey());
        assertNotEquals(off.generation().batchKey(), unet.open(text(23, 7.5, List.of())).batchKey());
        assertThrows(IllegalArgumentException.class, () -> unet.guidedNoise(List.of(off, alsoOff)));
        assertArrayEquals(off.generation().guidedNoise(0, 999, off.latents()).toFloatArray(), unet.guidedNoise(List.of(off)).get(0).toFloatArray());
    }

    @Test
    void loraSetsThatDifferOnConvolutionsKeepToThemselves() {
        var plain = unet.open(text(1, 7.5, List.of()));
        var linearOnly = unet.open(text(3, 7.5, List.of(new LoraWeight("wide", 1f))));
        var locon = unet.open(text(5, 7.5, List.of(new LoraWeight("locon", 1f))));
        var loconAndMore = unet.open(text(7, 7.5, List.of(new LoraWeight("locon", 1f), new LoraWeight("attention", 0.3f))));
        assertEquals(plain.batchKey(), linearOnly.batchKey(), "LoRAs on Linear and 1x1 layers mix in a batch");
        assertNotEquals(plain.batchKey(), locon.batchKey(), "a LoRA on 3x3 convolutions does not");
        assertEquals(locon.batchKey(), loconAndMore.batchKey(), "unless the sets agree on them");
        Tensor x = GaussianNoise.sample(11, LATENTS);
        assertThrows(IllegalArgumentException.class, () -> unet.guidedNoise(List.of(new LocalUNet.Step(plain, 500, x), new LocalUNet.Step(locon, 500, x))));
        assertCompanyChangesNothing(List.of(new LocalUNet.Step(locon, 900, x), new LocalUNet.Step(loconAndMore, 100, GaussianNoise.sample(12, LATENTS))));
    }

    @Test
    void controlnetConditionsAndScalesArePerGeneration() {
        SD1Stages.ControlnetCondition strong = new SD1Stages.ControlnetCondition("edges", GaussianNoise.sample(40, 1, 3, 64, 64), 1.0, 1.0);
        SD1Stages.ControlnetCondition weak = new SD1Stages.ControlnetCondition("edges", GaussianNoise.sample(41, 1, 3, 64, 64), 0.4, 0.825);
        var a = text(1, 7.5, List.of());
        var b = text(3, 6.0, List.of(new LoraWeight("attention", 1f)));
        var withStrong = new SD1Stages.Conditioning(a.conditional(), a.unconditional(), 7.5, a.loras(), LATENTS, null, null, List.of(strong));
        var withWeak = new SD1Stages.Conditioning(b.conditional(), b.unconditional(), 6.0, b.loras(), LATENTS, null, null, List.of(weak));
        assertNotEquals(unet.open(a).batchKey(), unet.open(withStrong).batchKey(), "a ControlNet set is another UNet");
        assertCompanyChangesNothing(List.of(step(withStrong, 11, 700), step(withWeak, 12, 300)));
    }

    /** Image features of {@code n} images (random: the UNet side does not care where they come from). */
    static SD1Stages.ImageFeatures features(int seed, int n) {
        return new SD1Stages.ImageFeatures(GaussianNoise.sample(seed, n, 1024), GaussianNoise.sample(seed + 1, n, 257, 1280),
                GaussianNoise.sample(seed + 2, 1, 257, 1280));
    }

    static SD1Stages.Conditioning withImages(SD1Stages.Conditioning t, String adapter, double scale, List<Double> weights, int seed) {
        return new SD1Stages.Conditioning(t.conditional(), t.unconditional(), t.guidanceScale(), t.loras(), LATENTS, null, null, List.of(),
                new SD1Stages.ImagePrompt(adapter, scale, weights, features(seed, weights.size())));
    }

    @Test
    void imagePromptTokensAndScalesArePerGeneration() {
        var a = text(1, 7.5, List.of());
        var b = text(3, 6.0, List.of(new LoraWeight("attention", 1f)));
        var plain = withImages(a, "plain", 1.0, List.of(1.0), 70);
        var plainWeak = withImages(b, "plain", 0.3, List.of(0.5), 80);
        assertNotEquals(unet.open(a).batchKey(), unet.open(plain).batchKey(), "an IP-Adapter is another UNet");
        assertNotEquals(unet.open(plain).batchKey(), unet.open(withImages(a, "plain", 1.0, List.of(1.0, 1.0), 90)).batchKey(),
                "two images are twice the tokens");
        Tensor x = GaussianNoise.sample(11, LATENTS);
        assertFalse(Arrays.equals(unet.open(a).guidedNoise(0, 500, x).toFloatArray(), unet.open(plain).guidedNoise(0, 500, x).toFloatArray()),
                "the image prompt changes nothing");
        assertCompanyChangesNothing(List.of(step(plain, 11, 700), step(plainWeak, 12, 300)));
        assertCompanyChangesNothing(List.of(step(withImages(a, "plus", 0.8, List.of(1.0, 0.4), 100), 11, 700),
                step(withImages(b, "plus", 1.2, List.of(0.7, 1.0), 110), 12, 300)));
    }

    @Test
    void unknownIpAdaptersAreNamed() {
        var a = text(1, 7.5, List.of());
        var e = assertThrows(RuntimeException.class, () -> unet.open(withImages(a, "nope", 1.0, List.of(1.0), 70)));
        assertTrue(e.getMessage().contains("ip_adapter") && !e.getMessage().contains(dir.toString()), e.getMessage());
        var e2 = assertThrows(RuntimeException.class, () -> unet.open(withImages(a, "../ip/plain", 1.0, List.of(1.0), 70)));
        assertTrue(e2.getMessage().contains("ip_adapter"), e2.getMessage());
    }

    @Test
    void inpaintingConditionsArePerGeneration() {
        List<LocalUNet.Step> steps = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            var t = text(1 + 2 * i, 7.5, i == 1 ? List.of(new LoraWeight("attention", 1f)) : List.of());
            Tensor mask = Tensor.ofFloats(new long[] {1, 1, 8, 8}, GaussianNoise.sample(50 + i, 64).toFloatArray()), target = GaussianNoise.sample(60 + i, LATENTS);
            steps.add(step(new SD1Stages.Conditioning(t.conditional(), t.unconditional(), 7.5, t.loras(), LATENTS, mask, target, List.of()), 20 + i, 800 - 300 * i));
        }
        assertNotEquals(unet.open(text(1, 7.5, List.of())).batchKey(), steps.get(0).generation().batchKey());
        assertCompanyChangesNothing(steps);
    }

    @Test
    void latentsOfAnotherSizeAreRefused() {
        var g = unet.open(text(1, 7.5, List.of()));
        var other = unet.open(new SD1Stages.Conditioning(GaussianNoise.sample(1, 1, 77, 768), GaussianNoise.sample(2, 1, 77, 768), 7.5, List.of(), new long[] {1, 4, 8, 16}));
        assertNotEquals(g.batchKey(), other.batchKey());
        assertThrows(IllegalArgumentException.class, () -> unet.guidedNoise(List.of(new LocalUNet.Step(g, 1, Tensor.zeros(DType.F32, 1, 4, 8, 16)))));
    }

    static SD1Stages.Conditioning referenced(SD1Stages.Conditioning c, double styleCfg) {
        return new SD1Stages.Conditioning(c.conditional(), c.unconditional(), c.guidanceScale(), c.loras(), c.latentShape(), null, null,
                c.controlnets(), c.imagePrompt(), styleCfg);
    }

    /**
     * Reference-only control: its steps run alone (its adapter takes the whole call as one pair), carry their noised
     * reference, which changes the noise, as style_cfg and a LoRA do; the same step twice gives the same bits; another
     * style_cfg runs on the same compiled UNet (a run-time input).
     */
    @Test
    void referenceOnlyStepsRunAloneWithTheirReference() {
        var a = text(1, 7.5, List.of());
        var withLora = text(1, 7.5, List.of(new LoraWeight("attention", 1f)));
        Tensor x = GaussianNoise.sample(11, LATENTS), ref = GaussianNoise.sample(30, 2, 4, 8, 8), otherRef = GaussianNoise.sample(31, 2, 4, 8, 8);
        LocalUNet.Generation g = unet.open(referenced(a, 0.5));
        assertNotEquals(g.batchKey(), unet.open(referenced(a, 0.5)).batchKey(), "reference-only generations share a call");
        float[] first = g.guidedNoise(0, 500, x, ref).toFloatArray();
        assertArrayEquals(first, unet.open(referenced(a, 0.5)).guidedNoise(0, 500, x, ref).toFloatArray());
        assertFalse(Arrays.equals(first, unet.open(a).guidedNoise(0, 500, x).toFloatArray()), "the reference changes nothing");
        assertFalse(Arrays.equals(first, g.guidedNoise(0, 500, x, otherRef).toFloatArray()), "another reference changes nothing");
        int sessions = runner.sessionCount();
        assertTrue(sessions < runner.config().sessionCacheSize(), "a full cache hides a compile (an eviction keeps the count)");
        assertFalse(Arrays.equals(first, unet.open(referenced(a, 0.9)).guidedNoise(0, 500, x, ref).toFloatArray()), "style_cfg changes nothing");
        assertEquals(sessions, runner.sessionCount(), "another style_cfg compiled a UNet of its own");
        assertFalse(Arrays.equals(first, unet.open(referenced(withLora, 0.5)).guidedNoise(0, 500, x, ref).toFloatArray()), "the LoRA changes nothing");
        assertThrows(IllegalArgumentException.class, () -> g.guidedNoise(0, 500, x));
        assertThrows(IllegalArgumentException.class, () -> g.guidedNoise(0, 500, x, GaussianNoise.sample(30, 1, 4, 8, 8)));
        assertThrows(IllegalArgumentException.class, () -> unet.open(a).guidedNoise(0, 500, x, ref));
        assertThrows(IllegalArgumentException.class, () -> referenced(text(1, 1.0, List.of()), 0.5));
    }
}
