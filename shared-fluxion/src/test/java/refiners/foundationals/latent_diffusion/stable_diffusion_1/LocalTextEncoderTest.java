package refiners.foundationals.latent_diffusion.stable_diffusion_1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import refiners.FullSizeModels;
import refiners.fluxion.adapters.LoraWeights;
import refiners.fluxion.runtime.Runner;
import refiners.fluxion.runtime.RuntimeConfig;
import refiners.foundationals.clip.CLIPTextEncoderL;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.GenerationRequest.LoraWeight;

/**
 * With a LoRA source, prompts without LoRAs are encoded by the encoder without slots (a session of its own over the
 * same weights), with the bits of an encoder that has no slots at all; a LoRA set runs on the slotted one. Full-size
 * detinit CLIP-L.
 */
@FullSizeModels
class LocalTextEncoderTest {
    @Test
    void promptsWithoutLorasSkipTheSlotsWithTheSameBits() {
        CLIPTextEncoderL slottedModel = SD1Models.textEncoder(SD1Weights.detinit());
        List<LoraWeights> lora = BatchedUNetTest.lora("clip", 4, slottedModel.stateDictShapes(),
                (k, s) -> BatchedUNetTest.linear(s) && k.contains("Linear"));
        LocalStages.LoraSource source = new LocalStages.LoraSource() {
            @Override
            public List<LoraWeights> unet(List<LoraWeight> set) {
                return List.of();
            }

            @Override
            public List<LoraWeights> textEncoder(List<LoraWeight> set) {
                return set.isEmpty() ? List.of() : lora;
            }
        };
        try (Runner runner = new Runner(RuntimeConfig.defaults()); Runner plainRunner = new Runner(RuntimeConfig.defaults())) {
            LocalTextEncoder slotted = new LocalTextEncoder(slottedModel, LocalStages.DEFAULT_OPTIONS, source, runner);
            LocalTextEncoder plain = new LocalTextEncoder(SD1Models.textEncoder(SD1Weights.detinit()), LocalStages.DEFAULT_OPTIONS, null, plainRunner);
            List<String> prompts = List.of("a lighthouse on a cliff", "blurry");
            float[] withoutLora = slotted.encode(prompts, List.of()).toFloatArray();
            assertEquals(1, runner.sessionCount(), "prompts without LoRAs compile the slot-free encoder only");
            float[] withLora = slotted.encode(prompts, List.of(new LoraWeight("clip", 1f))).toFloatArray();
            assertEquals(2, runner.sessionCount(), "a LoRA set runs on the slotted encoder");
            BatchedUNetTest.assertBits(plain.encode(prompts, List.of()).toFloatArray(), withoutLora, "without LoRAs");
            assertFalse(Arrays.equals(withoutLora, withLora), "the LoRA changes nothing");
        }
    }
}
