package refiners.foundationals.latent_diffusion.stable_diffusion_1;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import refiners.conversion.Checkpoints;
import refiners.conversion.IPAdapterConversion;
import refiners.conversion.WeightsDirectory;
import refiners.fluxion.DetInit;
import refiners.fluxion.Tensor;

/**
 * IP-Adapter files of one directory, by name (file name without .safetensors; the name rule is
 * {@link WeightsDirectory}'s), in refiners' layout or the published one (h94/IP-Adapter's), plain or Plus as the keys
 * say (see IPAdapterConversion). A file is read on first use and kept; its tensors stay mapped. A file that is no
 * IP-Adapter is refused as a LoRA file is: the request field and the file's name, the path only in the log.
 */
public final class IpAdapterLibrary implements LocalUNet.IpAdapterSource {
    /** The oracle's detinit seeds of the plain and the Plus adapter's weight files. */
    public static final long DETINIT_SEED = 22, DETINIT_PLUS_SEED = 23;

    private final WeightsDirectory dir;
    private final Map<String, Boolean> plus = new ConcurrentHashMap<>();
    private final Map<String, Map<String, Tensor>> loaded = new ConcurrentHashMap<>();

    public IpAdapterLibrary(Path dir) {
        this.dir = new WeightsDirectory(dir, "IP-Adapter");
    }

    /**
     * A full-size detinit SD1.5 IP-Adapter file (plain or Plus, refiners' layout, the oracle's seeds) in the detinit
     * cache, written once: a stand-in to link into an IP-Adapter directory when there are no real weights.
     */
    public static Path detinitFile(boolean plus) {
        Map<String, long[]> shapes = new SD1IPAdapter(new SD1UNet(4), 1.0, plus, null).weightShapes();
        return DetInit.cachedFile(plus ? "SD1IPAdapterPlus" : "SD1IPAdapter", shapes, plus ? DETINIT_PLUS_SEED : DETINIT_SEED);
    }

    public WeightsDirectory directory() {
        return dir;
    }

    @Override
    public boolean isPlus(String name, String field) {
        dir.file(name, field); // a file removed since it was read is gone
        return plus.computeIfAbsent(name, n -> dir.read(n, field, f -> IPAdapterConversion.isPlus(new HashSet<>(Checkpoints.keys(f)))));
    }

    @Override
    public Map<String, Tensor> weights(String name, String field, Map<String, long[]> expected) {
        dir.file(name, field);
        return loaded.computeIfAbsent(name, n -> dir.read(n, field, f -> IPAdapterConversion.stateDict(f, expected)));
    }
}
