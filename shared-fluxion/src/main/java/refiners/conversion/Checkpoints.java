package refiners.conversion;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import refiners.fluxion.Tensor;
import refiners.fluxion.safetensors.SafeTensors;

/** Finding and opening weight files safely: safetensors only (mapped, never copied), shards followed, pickles refused. */
public final class Checkpoints {
    private Checkpoints() {}

    /** The weight layouts the loaders understand. */
    public enum Format { REFINERS_FOLDER, DIFFUSERS_FOLDER, COMPVIS_FILE }

    public static Format detect(Path location) {
        refusePickle(location);
        if (Files.isDirectory(location)) {
            if (Files.exists(location.resolve("unet.safetensors"))) return Format.REFINERS_FOLDER;
            if (Files.isDirectory(location.resolve("unet")) && Files.isDirectory(location.resolve("vae"))) return Format.DIFFUSERS_FOLDER;
            throw new ConversionException(location + ": neither a converted folder (unet.safetensors, text_encoder.safetensors, autoencoder.safetensors) "
                    + "nor a diffusers folder (unet/, text_encoder/, vae/, tokenizer/)");
        }
        if (!Files.exists(location)) throw new ConversionException(location + ": no such file or folder");
        return Format.COMPVIS_FILE;
    }

    /** Pickle-based checkpoints are refused: unpickling runs arbitrary code from the file. */
    public static void refusePickle(Path file) {
        String n = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (n.endsWith(".ckpt") || n.endsWith(".bin") || n.endsWith(".pt") || n.endsWith(".pth") || n.endsWith(".pkl"))
            throw new ConversionException(file + " is a pickle checkpoint: loading it would execute arbitrary code embedded in the file, "
                    + "so it is refused. Convert it to safetensors once, in a sandbox you trust, e.g.\n"
                    + "  python -c \"import torch, safetensors.torch as st; sd = torch.load('" + file.getFileName() + "', map_location='cpu', weights_only=True); "
                    + "st.save_file(sd.get('state_dict', sd), 'model.safetensors')\"\n"
                    + "(diffusers folders: save them with save_pretrained(..., safe_serialization=True)), then load the .safetensors file.");
    }

    /**
     * The tensors of a safetensors file, or of a sharded set (file.safetensors.index.json listing its shards), mapped.
     */
    public static Map<String, Tensor> open(Path file) {
        refusePickle(file);
        Path index = file.resolveSibling(file.getFileName() + ".index.json");
        if (!Files.exists(file) && Files.exists(index)) return openSharded(index);
        try (SafeTensors st = SafeTensors.open(file)) {
            return st.all();
        }
    }

    private static Map<String, Tensor> openSharded(Path index) {
        try {
            JsonNode weightMap = new ObjectMapper().readTree(index.toFile()).get("weight_map");
            if (weightMap == null) throw new ConversionException(index + ": no weight_map");
            Map<String, Map<String, Tensor>> shards = new LinkedHashMap<>();
            Map<String, Tensor> out = new LinkedHashMap<>();
            for (var it = weightMap.fields(); it.hasNext(); ) {
                var e = it.next();
                Map<String, Tensor> shard = shards.computeIfAbsent(e.getValue().asText(), f -> open(index.resolveSibling(f)));
                Tensor t = shard.get(e.getKey());
                if (t == null) throw new ConversionException(index + ": " + e.getKey() + " is not in " + e.getValue().asText());
                out.put(e.getKey(), t);
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The first of several candidate files that exists (e.g. full precision before fp16). */
    public static Path firstExisting(Path dir, String... names) {
        for (String n : names) {
            Path p = dir.resolve(n);
            if (Files.exists(p) || Files.exists(p.resolveSibling(n + ".index.json"))) return p;
        }
        try (java.util.stream.Stream<Path> files = Files.isDirectory(dir) ? Files.list(dir) : java.util.stream.Stream.empty()) {
            for (Path f : files.sorted().toList()) refusePickle(f); // a pickle-only folder says why it cannot be used
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        throw new ConversionException(dir + ": none of " + String.join(", ", names));
    }
}
