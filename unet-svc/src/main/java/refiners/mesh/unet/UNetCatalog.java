package refiners.mesh.unet;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import refiners.conversion.WeightsDirectory;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1Weights;
import refiners.mesh.MeshConfig;
import refiners.mesh.ModelConfig;
import refiners.mesh.ModelFamilies;
import refiners.proto.unet.v1.ControlnetInfo;
import refiners.proto.unet.v1.ModelDescription;

/**
 * What this service serves, for DescribeModel and ListControlnets: from the settings, so it answers while the weights
 * load. Weights are named by their file or folder name: a client sees no server path.
 */
@ApplicationScoped
public class UNetCatalog {
    @Inject
    ModelConfig model;
    @Inject
    UNetConfig config;
    @Inject
    UNetControlnets controlnets;
    @Inject
    MeshConfig mesh;

    /** The model family {@code family} (empty: the first served; one not served: INVALID_ARGUMENT naming {@code model}). */
    public ModelDescription describe(String family) {
        if (ModelFamilies.resolve(family, mesh.servedModels(), "model").equals(ModelFamilies.SDXL))
            return ModelDescription.newBuilder().setWeights(model.sdxlWeights().map(UNetCatalog::name).orElse("")).build();
        return ModelDescription.newBuilder().setWeights(model.weights().map(UNetCatalog::name).orElse(""))
                .setInpaintingWeights(config.inpaintingWeights().map(UNetCatalog::name).orElse("")).build();
    }

    public List<ControlnetInfo> controlnets() {
        return controlnets.library().map(l -> l.directory()).map(d -> d.names().stream()
                .map(n -> ControlnetInfo.newBuilder().setName(n).setSizeBytes(size(d.path().resolve(n + WeightsDirectory.SUFFIX))).build())
                .toList()).orElse(List.of());
    }

    /** A weights setting by name: "detinit", or the last element of its path; blank: none. */
    static String name(String setting) {
        if (setting.isBlank()) return "";
        SD1Weights w = SD1Weights.parse(setting);
        return w.isDetinit() ? SD1Weights.DETINIT : Optional.ofNullable(w.location().getFileName()).map(Path::toString).orElse("");
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
