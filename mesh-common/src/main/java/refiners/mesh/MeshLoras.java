package refiners.mesh;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import refiners.conversion.WeightsDirectory;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.GenerationRequest.LoraWeight;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.LoraLibrary;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.LoraSet;
import refiners.foundationals.latent_diffusion.stable_diffusion_xl.DoubleTextEncoder;
import refiners.foundationals.latent_diffusion.stable_diffusion_xl.SDXLUNet;

/** The LoRA library of the configured directory (REFINERS_LORA_DIR), shared by the text encoder and the UNet. */
@ApplicationScoped
public class MeshLoras {
    private final Optional<LoraLibrary> library;
    /** The same directory read for SDXL's models (a LoRA's file is parsed for each family it is used with). */
    private final Optional<LoraLibrary> sdxlLibrary;
    private final List<String> served;

    @Inject
    public MeshLoras(ModelConfig config, MeshConfig mesh) {
        Optional<Path> dir = config.loraDir().filter(d -> !d.isBlank()).map(Path::of);
        served = mesh.servedModels();
        library = dir.map(LoraLibrary::new);
        sdxlLibrary = served.contains(ModelFamilies.SDXL)
                ? dir.map(d -> new LoraLibrary(d, new SDXLUNet(4).stateDictShapes(), new DoubleTextEncoder().stateDictShapes())) : Optional.empty();
    }

    /**
     * Checks that a LoRA exists: an invalid name is INVALID_ARGUMENT, a name without a file (or without a configured
     * directory) NOT_FOUND, both naming {@code field}.
     */
    public void require(String name, String field) {
        WeightsDirectory.require(library.map(LoraLibrary::directory).orElse(null), name, field, "LoRA", "REFINERS_LORA_DIR");
    }

    /**
     * A wire LoRA set checked by the rules of every request (LoraSet: INVALID_ARGUMENT), then each LoRA's file required
     * (NOT_FOUND); an unset scale is 1.0.
     */
    public List<LoraWeight> require(List<refiners.proto.common.v1.LoraWeight> wire) {
        List<LoraWeight> loras = LoraSet.check(GenerateRequests.loras(wire));
        for (int i = 0; i < loras.size(); i++) require(loras.get(i).name(), "loras[" + i + "].name");
        return loras;
    }

    /**
     * Whether the LoRA is known (loaded for the family's models) to have no text-encoder layers; never reads a file, so
     * safe on the event loop.
     */
    public boolean knownWithoutTextEncoderLayers(String family, String name) {
        return library(family).map(l -> l.loadedWithoutTextEncoderLayers(name)).orElse(false);
    }

    /** Empty when no directory is configured: then only requests without LoRAs are served. */
    public Optional<LoraLibrary> library() {
        return library;
    }

    /** The library of a model family (ModelFamilies). */
    public Optional<LoraLibrary> library(String family) {
        return family.equals(ModelFamilies.SDXL) ? sdxlLibrary : library;
    }

    /** The libraries of the served families, in REFINERS_MODELS order (empty when no directory is configured). */
    public List<LoraLibrary> libraries() {
        return served.stream().flatMap(f -> library(f).stream()).toList();
    }
}
