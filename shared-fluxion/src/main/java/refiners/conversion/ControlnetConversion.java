package refiners.conversion;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import refiners.fluxion.Tensor;

/**
 * An SD1.5 ControlNet's weights under refiners keys, from a refiners-format file (the Controlnet's own state-dict keys,
 * as refiners' converter writes them) or a diffusers ControlNetModel (a folder or its diffusion_pytorch_model
 * .safetensors file), whose keys map through refiners/conversion/controlnet_sd15.diffusers.tsv. The format is told
 * by the keys; anything missing, unexpected or mis-shaped is reported in one ConversionException.
 */
public final class ControlnetConversion {
    /** A key only the diffusers layout has. */
    static final String DIFFUSERS_KEY = "controlnet_cond_embedding.conv_in.weight";

    private ControlnetConversion() {}

    /** @param expected the Controlnet's state-dict shapes */
    public static Map<String, Tensor> stateDict(Path location, Map<String, long[]> expected) {
        Path file = Files.isDirectory(location)
                ? Checkpoints.firstExisting(location, "diffusion_pytorch_model.safetensors", "diffusion_pytorch_model.fp16.safetensors") : location;
        Map<String, Tensor> tensors = Checkpoints.open(file);
        ModuleMap map = tensors.containsKey(DIFFUSERS_KEY) ? ModuleMap.load("controlnet_sd15.diffusers") : ModuleMap.identity("refiners Controlnet", expected.keySet());
        return KeyConversion.convert(file.getFileName().toString(), tensors, map, expected, k -> false).tensors();
    }
}
