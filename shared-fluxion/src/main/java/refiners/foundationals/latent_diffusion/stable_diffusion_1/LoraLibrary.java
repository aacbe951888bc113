package refiners.foundationals.latent_diffusion.stable_diffusion_1;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import refiners.conversion.LoraFile;
import refiners.conversion.LoraFormats;
import refiners.fluxion.adapters.LoraWeights;
import refiners.foundationals.clip.CLIPTextEncoderL;
import refiners.foundationals.latent_diffusion.InvalidRequestException;

/**
 * LoRA files of one directory, by name (file name without .safetensors). Names are checked so they never leave the
 * directory. Files are parsed on first use (or explicitly loaded) and kept until unloaded; their tensors stay mapped.
 */
public final class LoraLibrary implements LocalStages.LoraSource {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._+-]{0,127}");

    /** A LoRA name that no file in the directory has. */
    public static final class LoraNotFoundException extends RuntimeException {
        public LoraNotFoundException(String message) {
            super(message);
        }
    }

    /** What the library knows of a LoRA file. */
    public record Info(String name, boolean loaded, int rank, int unetLayers, int textEncoderLayers, long sizeBytes, String format) {}

    private final Path dir;
    private final Map<String, LoraFile> loaded = new ConcurrentHashMap<>();
    private final Map<String, long[]> unetKeys = new SD1UNet(4).stateDictShapes();
    private final Map<String, long[]> textEncoderKeys = new CLIPTextEncoderL().stateDictShapes();

    public LoraLibrary(Path dir) {
        this.dir = dir.toAbsolutePath().normalize();
    }

    public Path directory() {
        return dir;
    }

    /** The file of a name; invalid names (separators, "..", absolute paths ...) are an InvalidRequestException. */
    public Path file(String name) {
        if (name == null || !NAME.matcher(name).matches() || name.contains(".."))
            throw new InvalidRequestException("loras.name", "invalid LoRA name '" + name + "' (letters, digits, '.', '_', '-', '+'; no path)");
        Path f = dir.resolve(name + ".safetensors").normalize();
        if (!f.getParent().equals(dir)) throw new InvalidRequestException("loras.name", "invalid LoRA name '" + name + "'");
        return f;
    }

    /** Parses and keeps a LoRA (already loaded: returns it). */
    public LoraFile load(String name) {
        Path f = file(name);
        return loaded.computeIfAbsent(name, n -> {
            if (!Files.isRegularFile(f)) throw new LoraNotFoundException("no LoRA named '" + name + "' in " + dir);
            return LoraFormats.read(f, name, unetKeys, textEncoderKeys);
        });
    }

    public boolean unload(String name) {
        file(name);
        return loaded.remove(name) != null;
    }

    /** Every .safetensors file of the directory, loaded or not. */
    public List<Info> list() {
        List<Info> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) return out;
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.sorted().toList()) {
                String fn = f.getFileName().toString();
                if (!fn.endsWith(".safetensors")) continue;
                String name = fn.substring(0, fn.length() - ".safetensors".length());
                LoraFile l = loaded.get(name);
                out.add(l == null ? new Info(name, false, 0, 0, 0, Files.size(f), null)
                        : new Info(name, true, l.rank(), l.unet().size(), l.textEncoder().size(), l.sizeBytes(), l.format()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    @Override
    public List<LoraWeights> unet(List<GenerationRequest.LoraWeight> loras) {
        List<LoraWeights> out = new ArrayList<>();
        for (GenerationRequest.LoraWeight w : loras) out.addAll(load(w.name()).unetWeights(w.scale()));
        return out;
    }

    @Override
    public List<LoraWeights> textEncoder(List<GenerationRequest.LoraWeight> loras) {
        List<LoraWeights> out = new ArrayList<>();
        for (GenerationRequest.LoraWeight w : loras) out.addAll(load(w.name()).textEncoderWeights(w.scale()));
        return out;
    }
}
