package refiners.mesh.unet;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.List;
import refiners.conversion.WeightsDirectory;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.LocalUNet;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.LoraLibrary;
import refiners.mesh.MeshLoras;
import refiners.proto.unet.v1.LoraInfo;

/** ListLoras, LoadLora and UnloadLora over the LoRA directory (names as {@link WeightsDirectory} accepts them). */
@ApplicationScoped
public class UNetLoras {
    @Inject
    MeshLoras loras;
    @Inject
    UNetModel model;

    public List<LoraInfo> list() {
        return loras.library().map(l -> l.list().stream().map(UNetLoras::info).toList()).orElse(List.of());
    }

    public LoraInfo load(String name) {
        loras.require(name, "name");
        LoraLibrary library = loras.library().orElseThrow();
        library.load(name, "name");
        forgetPreparedSets();
        return library.list().stream().filter(i -> i.name().equals(name)).map(UNetLoras::info).findFirst().orElseThrow();
    }

    public void unload(String name) {
        WeightsDirectory.checkName(name, "name", "LoRA");
        if (loras.library().isEmpty() || !loras.library().get().unload(name))
            throw new WeightsDirectory.NotFoundException("name: LoRA '" + name + "' is not loaded");
        forgetPreparedSets();
    }

    /** A (re)loaded or unloaded file must not be served from feeds built before. */
    private void forgetPreparedSets() {
        if (model.ready()) model.all().forEach(LocalUNet::clearLoraCache);
    }

    private static LoraInfo info(LoraLibrary.Info i) {
        return LoraInfo.newBuilder().setName(i.name()).setLoaded(i.loaded()).setRank(i.rank()).setUnetLayers(i.unetLayers())
                .setTextEncoderLayers(i.textEncoderLayers()).setSizeBytes(i.sizeBytes()).build();
    }
}
