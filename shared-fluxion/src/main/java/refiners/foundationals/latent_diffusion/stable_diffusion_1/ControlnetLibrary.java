package refiners.foundationals.latent_diffusion.stable_diffusion_1;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import refiners.conversion.ControlnetConversion;
import refiners.conversion.WeightsDirectory;
import refiners.fluxion.DetInit;

/**
 * ControlNet files of one directory, by name (file name without .safetensors; the name rule is
 * {@link WeightsDirectory}'s), in refiners or diffusers format (see ControlnetConversion). A ControlNet is read on
 * first use and kept; its tensors stay mapped.
 */
public final class ControlnetLibrary implements LocalUNet.ControlnetSource {
    private final WeightsDirectory dir;
    private final Map<String, Controlnet> loaded = new ConcurrentHashMap<>();

    public ControlnetLibrary(Path dir) {
        this.dir = new WeightsDirectory(dir, "ControlNet");
    }

    /**
     * The full-size detinit ControlNet (the oracle's seed 16) as a file of the detinit cache, written once: a stand-in
     * to link into a ControlNet directory when there are no real weights.
     */
    public static Path detinitFile() {
        return DetInit.cachedFile("Controlnet", new Controlnet("detinit").stateDictShapes(), 16);
    }

    public WeightsDirectory directory() {
        return dir;
    }

    @Override
    public Controlnet load(String name, String field) {
        Path f = dir.file(name, field);
        return loaded.computeIfAbsent(name, n -> {
            Controlnet controlnet = new Controlnet(n);
            controlnet.loadStateDict(ControlnetConversion.stateDict(f, controlnet.stateDictShapes()));
            return controlnet;
        });
    }
}
