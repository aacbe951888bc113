package refiners.fluxion.adapters;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import refiners.fluxion.DetInit;
import refiners.fluxion.Tensor;
import refiners.fluxion.Tensors;
import refiners.fluxion.compile.CompileOptions;
import refiners.fluxion.compile.ShapePolicy;
import refiners.fluxion.layers.Chain;
import refiners.fluxion.layers.Conv2d;
import refiners.fluxion.layers.Linear;
import refiners.fluxion.runtime.Runner;
import refiners.fluxion.runtime.RuntimeConfig;
import refiners.foundationals.latent_diffusion.GaussianNoise;

/**
 * Batched LoRA slots: each sample gets its own set (ranks padded with zeros), and a sample's output is bit for bit
 * what it gets in a batch of its own set alone, on 2-D and 3-D Linear inputs and 1x1 convolutions; no LoRA is exactly
 * the base layer at any batch size.
 */
class BatchedLoraSlotsTest {
    static final Runner RUNNER = new Runner(RuntimeConfig.defaults());
    static final CompileOptions OPTIONS = BatchedLoraSlots.options(CompileOptions.defaults().withShapePolicy(ShapePolicy.DYNAMIC_BATCH_AND_SPATIAL));

    record Case(Chain model, BatchedLoraSlots slots, Tensor base, long[] sampleShape) {}

    /** The model (weights loaded), its base output on 4 samples, then slots installed. */
    static Case layer(Chain model, long... sampleShape) {
        model.loadStateDict(DetInit.stateDict(model.stateDictShapes(), 7));
        Tensor x = x(sampleShape);
        Tensor base = RUNNER.run(model, CompileOptions.defaults().withShapePolicy(ShapePolicy.DYNAMIC_BATCH_AND_SPATIAL), List.of(x)).output();
        return new Case(model, BatchedLoraSlots.install(model, l -> true), base, sampleShape);
    }

    static Tensor x(long[] sampleShape) {
        long[] s = sampleShape.clone();
        s[0] = 4;
        return GaussianNoise.sample(5, s);
    }

    static LoraWeights lora(String target, int rank, long in, long out, boolean conv, int seed) {
        long[] down = conv ? new long[] {rank, in, 1, 1} : new long[] {rank, in}, up = conv ? new long[] {out, rank, 1, 1} : new long[] {out, rank};
        return new LoraWeights(target, DetInit.tensor("d" + seed, down, seed), DetInit.tensor("u" + seed, up, seed + 1), 0.5);
    }

    static Tensor run(Case c, List<BatchedLoraSlots.Prepared> sets, long[] index, Tensor x) {
        return RUNNER.run(c.model(), OPTIONS, List.of(x), c.slots().feeds(sets, index)).output();
    }

    static float[] rows(Tensor t, long start, long n) {
        return Tensors.narrow(t, start, n).toFloatArray();
    }

    void check(Case c, String target, long in, long out, boolean conv) {
        var none = c.slots().prepare(List.of());
        var rank4 = c.slots().prepare(List.of(lora(target, 4, in, out, conv, 11)));
        var rank1 = c.slots().prepare(List.of(lora(target, 1, in, out, conv, 21)));
        var stacked = c.slots().prepare(List.of(lora(target, 4, in, out, conv, 11), lora(target, 24, in, out, conv, 31)));
        Tensor x = x(c.sampleShape());
        for (int n = 2; n <= 4; n++) // no LoRA: the base layer, exactly, at any batch size
            assertArrayEquals(rows(c.base(), 0, n), run(c, List.of(none), new long[n], Tensors.narrow(x, 0, n)).toFloatArray(), "batch " + n);
        Tensor mixed = run(c, List.of(stacked, none, rank1, rank4), new long[] {1, 2, 3, 0}, x);
        assertArrayEquals(rows(c.base(), 0, 1), rows(mixed, 0, 1), "no LoRA amid others");
        List<BatchedLoraSlots.Prepared> sets = List.of(rank1, rank4, stacked);
        for (int i = 0; i < 3; i++) {
            Tensor sample = Tensors.narrow(x, i + 1, 1), alone = run(c, List.of(sets.get(i)), new long[] {0, 0}, Tensors.concat(List.of(sample, sample)));
            assertArrayEquals(rows(alone, 0, 1), rows(mixed, i + 1, 1), "set " + i + " alone and amid others");
            assertFalse(Arrays.equals(rows(c.base(), i + 1, 1), rows(mixed, i + 1, 1)), "set " + i + " changed nothing");
        }
    }

    @Test
    void linearOnTokens() {
        check(layer(new Chain(new Linear(320, 640)), 1, 16, 320), "Linear", 320, 640, false);
    }

    @Test
    void linearOnVectors() {
        check(layer(new Chain(new Linear(1280, 320)), 1, 1280), "Linear", 1280, 320, false);
    }

    @Test
    void pointwiseConvolution() {
        check(layer(new Chain(new Conv2d(320, 320, 1)), 1, 320, 4, 4), "Conv2d", 320, 320, true);
    }

    @Test
    void setsThatDifferOnLargerConvolutionsCannotShareABatch() {
        Chain model = new Chain(new Conv2d(8, 8, 3, 1, 1), new Linear(8, 8));
        BatchedLoraSlots slots = BatchedLoraSlots.install(model, l -> true);
        var conv = new LoraWeights("Conv2d", DetInit.tensor("d", new long[] {2, 8, 3, 3}, 1), DetInit.tensor("u", new long[] {8, 2, 1, 1}, 2), 1);
        BatchedLoraSlots.Prepared a = slots.prepare(List.of(conv)), b = slots.prepare(List.of());
        assertThrows(IllegalArgumentException.class, () -> slots.feeds(List.of(a, b)));
        assertThrows(IllegalArgumentException.class, () -> slots.prepare(List.of(new LoraWeights("Nope", conv.down(), conv.up(), 1))));
    }
}
