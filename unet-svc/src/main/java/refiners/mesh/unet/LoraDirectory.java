package refiners.mesh.unet;

import io.grpc.Status;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.LoraLibrary;
import refiners.mesh.LoraNames;
import refiners.proto.unet.v1.LoraInfo;

/** The LoRA library of the configured directory: names checked as the mesh accepts them ({@link LoraNames}). */
@ApplicationScoped
public class LoraDirectory {
    @Inject
    UNetConfig config;

    private Optional<LoraLibrary> library;

    @PostConstruct
    void open() {
        library = LoraNames.directory(config.loraDir()).map(LoraLibrary::new);
    }

    /** The library the UNet's LoRA slots draw from (empty: no directory configured). */
    public Optional<LoraLibrary> library() {
        return library;
    }

    public List<LoraInfo> list() {
        return library.map(l -> l.list().stream().map(LoraDirectory::info).toList()).orElse(List.of());
    }

    /** The file of an existing LoRA. */
    public Path require(String name, String field) {
        return LoraNames.resolve(library.map(LoraLibrary::directory), name, field);
    }

    public LoraInfo load(String name) {
        require(name, "name");
        try {
            library.get().load(name);
        } catch (RuntimeException e) {
            throw LoraNames.asStatus(e);
        }
        return library.get().list().stream().filter(i -> i.name().equals(name)).map(LoraDirectory::info).findFirst().orElseThrow();
    }

    public void unload(String name) {
        LoraNames.check(name, "name");
        if (library.isEmpty() || !library.get().unload(name))
            throw Status.NOT_FOUND.withDescription("name: LoRA '" + name + "' is not loaded").asRuntimeException();
    }

    private static LoraInfo info(LoraLibrary.Info i) {
        return LoraInfo.newBuilder().setName(i.name()).setLoaded(i.loaded()).setRank(i.rank()).setUnetLayers(i.unetLayers())
                .setTextEncoderLayers(i.textEncoderLayers()).setSizeBytes(i.sizeBytes()).build();
    }
}
