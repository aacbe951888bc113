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
 * first use and kept; its tensors stay mapped. A file that cannot be used is refused as a LoRA file is (WeightsDirectory
 * .read: the request field and the file's name, the path only in the log).
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
        dir.file(name, field); // a file removed since it was read is gone
        return loaded.computeIfAbsent(name, n -> dir.read(name, field, f -> {
            Controlnet controlnet = new Controlnet(n);
            controlnet.loadStateDict(ControlnetConversion.stateDict(f, controlnet.stateDictShapes()));
            return controlnet;
        }));
    }
}
