package refiners.mesh.unet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;
import refiners.fluxion.DType;
import refiners.fluxion.compile.CompileOptions;
import refiners.fluxion.compile.Quantization;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.LocalStages;

/** refiners.unet.quantization: none or int8 (the opt-in int8 UNet); anything else, or int8 in float16, names the setting. */
class UNetQuantizationSettingTest {
    @Test
    void selectsTheInt8UNetOrNone() {
        assertEquals(Quantization.INT8, setting("int8").quantized(LocalStages.DEFAULT_OPTIONS).quantization());
        assertEquals(Quantization.NONE, setting("none").quantized(LocalStages.DEFAULT_OPTIONS).quantization());
    }

    @Test
    void aBadValueOrInt8InFloat16NamesTheSetting() {
        String bad = assertThrows(IllegalArgumentException.class, () -> setting("int4").quantized(LocalStages.DEFAULT_OPTIONS)).getMessage();
        assertTrue(bad.contains("REFINERS_UNET_QUANTIZATION") && bad.contains("int4"), bad);
        CompileOptions half = LocalStages.DEFAULT_OPTIONS.withDtype(DType.F16);
        String f16 = assertThrows(IllegalArgumentException.class, () -> setting("int8").quantized(half)).getMessage();
        assertTrue(f16.contains("REFINERS_UNET_QUANTIZATION") && f16.contains("REFINERS_DTYPE"), f16);
    }

    private static UNetConfig setting(String quantization) {
        return new UNetConfig() {
            public Optional<String> inpaintingWeights() { return Optional.empty(); }
            public Optional<String> controlnetDir() { return Optional.empty(); }
            public Optional<String> ipAdapterDir() { return Optional.empty(); }
            public boolean dryRun() { return false; }
            public WarmUp inpaintingWarmUp() { return WarmUp.AFTER_READY; }
            public String quantization() { return quantization; }
        };
    }
}
