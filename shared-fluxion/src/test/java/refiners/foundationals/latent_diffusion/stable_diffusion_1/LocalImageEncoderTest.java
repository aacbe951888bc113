package refiners.foundationals.latent_diffusion.stable_diffusion_1;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;
import refiners.FullSizeModels;
import refiners.fluxion.DType;
import refiners.fluxion.DetInit;
import refiners.fluxion.Tensor;
import refiners.fluxion.runtime.Runner;
import refiners.fluxion.runtime.RuntimeConfig;

/**
 * The image-prompt stage (full-size detinit CLIPImageEncoderH): an image's features are the same bits alone and among
 * other calls' images (every call has the zero input first, so at least two rows), of the shapes IP-Adapters take.
 */
@FullSizeModels
class LocalImageEncoderTest {
    static Tensor picture(long seed, int h, int w) {
        float[] v = DetInit.tensor("input:picture", new long[] {h, w, 3}, seed, 0, 1).toFloatArray();
        ByteBuffer b = Tensor.allocate(v.length);
        for (float f : v) b.put((byte) Math.max(0, Math.min(255, (int) (128 + 60 * f))));
        return new Tensor(DType.U8, new long[] {h, w, 3}, b.flip());
    }

    @Test
    void anImagesFeaturesDoNotDependOnItsCompany() {
        LocalImageEncoder encoder = new LocalImageEncoder(LocalImageEncoder.load("detinit"), LocalStages.DEFAULT_OPTIONS, new Runner(RuntimeConfig.defaults()));
        Tensor a = picture(1, 40, 56), b = picture(2, 300, 200);
        SD1Stages.ImageFeatures alone = encoder.encode(List.of(a));
        assertArrayEquals(new long[] {1, 1024}, alone.embeddings().shape());
        assertArrayEquals(new long[] {1, 257, 1280}, alone.hiddenStates().shape());
        assertArrayEquals(new long[] {1, 257, 1280}, alone.zeroHiddenStates().shape());
        List<SD1Stages.ImageFeatures> together = encoder.encodePreprocessed(List.of(LocalImageEncoder.preprocess(List.of(b)), LocalImageEncoder.preprocess(List.of(a))));
        assertEquals(alone.embeddings().data(), together.get(1).embeddings().data());
        assertEquals(alone.hiddenStates().data(), together.get(1).hiddenStates().data());
        assertEquals(alone.zeroHiddenStates().data(), together.get(0).zeroHiddenStates().data());
        assertFalse(together.get(0).embeddings().data().equals(together.get(1).embeddings().data()), "two images, one embedding");
    }
}
