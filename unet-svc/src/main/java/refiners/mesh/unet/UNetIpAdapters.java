package refiners.mesh.unet;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.util.Optional;
import refiners.conversion.WeightsDirectory;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.IpAdapterLibrary;

/** The IP-Adapter library of the configured directory (REFINERS_IP_ADAPTER_DIR). */
@ApplicationScoped
public class UNetIpAdapters {
    private final Optional<IpAdapterLibrary> library;

    @Inject
    public UNetIpAdapters(UNetConfig config) {
        library = config.ipAdapterDir().filter(d -> !d.isBlank()).map(d -> new IpAdapterLibrary(Path.of(d)));
    }

    /**
     * Checks that an IP-Adapter exists: an invalid name is INVALID_ARGUMENT, a name without a file (or without a
     * configured directory) NOT_FOUND, both naming {@code field}.
     */
    public void require(String name, String field) {
        WeightsDirectory.require(library.map(IpAdapterLibrary::directory).orElse(null), name, field, "IP-Adapter", "REFINERS_IP_ADAPTER_DIR");
    }

    /** Empty when no directory is configured: then only requests without image prompts are served. */
    public Optional<IpAdapterLibrary> library() {
        return library;
    }
}
