package refiners.foundationals.latent_diffusion.stable_diffusion_1;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import refiners.conversion.LoraFile;
import refiners.conversion.LoraFormats;
import refiners.fluxion.adapters.LoraWeights;
import refiners.foundationals.clip.CLIPTextEncoderL;
import refiners.conversion.WeightsDirectory;

/**
 * LoRA files of one directory, by name (file name without .safetensors; the name rule is {@link WeightsDirectory}'s).
 * Files are parsed on first use (or explicitly loaded) and kept until unloaded; their tensors stay mapped.
 */
public final class LoraLibrary implements LocalStages.LoraSource {
    /** What the library knows of a LoRA file. */
    public record Info(String name, boolean loaded, int rank, int unetLayers, int textEncoderLayers, long sizeBytes, String format) {}

    private final WeightsDirectory dir;
    private final Map<String, LoraFile> loaded = new ConcurrentHashMap<>();
    private final Map<String, long[]> unetKeys;
    private final Map<String, long[]> textEncoderKeys;

    /** SD 1.x's LoRAs. */
    public LoraLibrary(Path dir) {
        this(dir, new SD1UNet(4).stateDictShapes(), new CLIPTextEncoderL().stateDictShapes());
    }

    /** The LoRAs of the models of these state-dict keys (SDXL: SDXLUNet's and DoubleTextEncoder's); a LoRA of other keys is refused. */
    public LoraLibrary(Path dir, Map<String, long[]> unetKeys, Map<String, long[]> textEncoderKeys) {
        this.dir = new WeightsDirectory(dir, "LoRA");
        this.unetKeys = unetKeys;
        this.textEncoderKeys = textEncoderKeys;
    }

    public WeightsDirectory directory() {
        return dir;
    }

    /** Parses and keeps a LoRA (already loaded: returns it); {@code field} names the request field in errors. */
    public LoraFile load(String name, String field) {
        dir.file(name, field); // a file removed since it was loaded is gone
        return loaded.computeIfAbsent(name, n -> dir.read(name, field, f -> LoraFormats.read(f, name, unetKeys, textEncoderKeys)));
    }

    public LoraFile load(String name) {
        return load(name, "loras.name");
    }

    /** Whether the LoRA is loaded and has no text-encoder layers (a UNet-only LoRA); never reads a file. */
    public boolean loadedWithoutTextEncoderLayers(String name) {
        LoraFile l = loaded.get(name);
        return l != null && l.textEncoder().isEmpty();
    }

    public boolean unload(String name) {
        dir.checkName(name, "name");
        return loaded.remove(name) != null;
    }

    /** Every LoRA file of the directory, loaded or not. */
    public List<Info> list() {
        List<Info> out = new ArrayList<>();
        for (String name : dir.names()) {
            LoraFile l = loaded.get(name);
            try {
                out.add(l == null ? new Info(name, false, 0, 0, 0, Files.size(dir.path().resolve(name + WeightsDirectory.SUFFIX)), null)
                        : new Info(name, true, l.rank(), l.unet().size(), l.textEncoder().size(), l.sizeBytes(), l.format()));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return out;
    }

    @Override
    public List<LoraWeights> unet(List<GenerationRequest.LoraWeight> loras) {
        List<LoraWeights> out = new ArrayList<>();
        for (int i = 0; i < loras.size(); i++) out.addAll(load(loras.get(i).name(), "loras[" + i + "].name").unetWeights(loras.get(i).scale()));
        return out;
    }

    @Override
    public List<LoraWeights> textEncoder(List<GenerationRequest.LoraWeight> loras) {
        List<LoraWeights> out = new ArrayList<>();
        for (int i = 0; i < loras.size(); i++) out.addAll(load(loras.get(i).name(), "loras[" + i + "].name").textEncoderWeights(loras.get(i).scale()));
        return out;
    }
}
