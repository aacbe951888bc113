package refiners.mesh.unet;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.util.Optional;
import refiners.conversion.WeightsDirectory;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.ControlnetLibrary;

/** The ControlNet library of the configured directory (REFINERS_CONTROLNET_DIR). */
@ApplicationScoped
public class UNetControlnets {
    private final Optional<ControlnetLibrary> library;

    @Inject
    public UNetControlnets(UNetConfig config) {
        library = config.controlnetDir().filter(d -> !d.isBlank()).map(d -> new ControlnetLibrary(Path.of(d)));
    }

    /**
     * Checks that a ControlNet exists: an invalid name is INVALID_ARGUMENT, a name without a file (or without a
     * configured directory) NOT_FOUND, both naming {@code field}.
     */
    public void require(String name, String field) {
        WeightsDirectory.require(library.map(ControlnetLibrary::directory).orElse(null), name, field, "ControlNet", "REFINERS_CONTROLNET_DIR");
    }

    /** Empty when no directory is configured: then only requests without ControlNets are served. */
    public Optional<ControlnetLibrary> library() {
        return library;
    }
}
