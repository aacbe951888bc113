package refiners.mesh.unet;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import refiners.conversion.WeightsDirectory;
import refiners.fluxion.InvalidRequestException;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.LocalUNet;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.LoraLibrary;
import refiners.mesh.MeshLoras;
import refiners.proto.unet.v1.LoraInfo;

/**
 * ListLoras, LoadLora and UnloadLora over the LoRA directory (names as {@link WeightsDirectory} accepts them). The
 * directory is read for each served family's models (MeshLoras): a LoRA is listed as loaded when a family's models
 * hold it, LoadLora loads it for the first family it fits (REFINERS_MODELS order), UnloadLora drops it from all.
 */
@ApplicationScoped
public class UNetLoras {
    @Inject
    MeshLoras loras;
    @Inject
    UNetModel model;

    public List<LoraInfo> list() {
        Map<String, LoraLibrary.Info> byName = new LinkedHashMap<>();
        for (LoraLibrary library : loras.libraries())
            for (LoraLibrary.Info i : library.list()) byName.merge(i.name(), i, (seen, other) -> seen.loaded() ? seen : other);
        return byName.values().stream().map(UNetLoras::info).toList();
    }

    public LoraInfo load(String name) {
        loras.require(name, "name");
        InvalidRequestException otherFamily = null;
        for (LoraLibrary library : loras.libraries()) {
            try {
                library.load(name, "name");
            } catch (InvalidRequestException e) { // made for another served family's models (the name itself was checked)
                if (otherFamily == null) otherFamily = e;
                continue;
            }
            forgetPreparedSets();
            return library.list().stream().filter(i -> i.name().equals(name)).map(UNetLoras::info).findFirst().orElseThrow();
        }
        throw otherFamily;
    }

    public void unload(String name) {
        WeightsDirectory.checkName(name, "name", "LoRA");
        boolean unloaded = false;
        for (LoraLibrary library : loras.libraries()) unloaded |= library.unload(name);
        if (!unloaded) throw new WeightsDirectory.NotFoundException("name: LoRA '" + name + "' is not loaded");
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
