package refiners.conversion;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;
import refiners.fluxion.Tensor;
import refiners.fluxion.safetensors.SafeTensors;

/** Finding and opening weight files safely: safetensors only (mapped, never copied), shards followed, pickles refused. */
public final class Checkpoints {
    private static final ObjectMapper JSON = new ObjectMapper().enable(com.fasterxml.jackson.core.JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private Checkpoints() {}

    /** The weights setting that selects full-size detinit stand-ins instead of files. */
    public static final String DETINIT = "detinit";

    /**
     * The location a weights setting names, or null for {@value #DETINIT}; an empty setting is an error listing
     * {@code choices}.
     */
    public static Path location(String setting, String choices) {
        if (setting == null || setting.isBlank()) throw new IllegalArgumentException("no model weights given: " + choices);
        return setting.trim().equals(DETINIT) ? null : Path.of(setting.trim());
    }

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
     * The tensors of a safetensors file, or of a sharded set (file.safetensors.index.json listing its shards), mapped;
     * only keys that {@code keep} accepts are mapped at all.
     */
    public static Map<String, Tensor> open(Path file, Predicate<String> keep) {
        refusePickle(file);
        Map<String, Tensor> out = new LinkedHashMap<>();
        shards(file).forEach((shard, keys) -> {
            try (SafeTensors st = SafeTensors.open(shard)) {
                for (String k : keys == null ? st.keys() : keys) {
                    if (!keep.test(k)) continue;
                    if (!st.contains(k)) throw new ConversionException(shard + ": " + k + " is listed in the index but not in the shard");
                    out.put(k, st.get(k));
                }
            }
        });
        return out;
    }

    /** Every tensor of a safetensors file or sharded set, mapped. */
    public static Map<String, Tensor> open(Path file) {
        return open(file, k -> true);
    }

    /** Every key of a safetensors file or sharded set, read from the headers only. */
    public static List<String> keys(Path file) {
        refusePickle(file);
        List<String> out = new ArrayList<>();
        shards(file).forEach((shard, keys) -> {
            if (keys != null) out.addAll(keys);
            else try (SafeTensors st = SafeTensors.open(shard)) {
                out.addAll(st.keys());
            }
        });
        return out;
    }

    /** The files of a checkpoint with the keys each holds (null: all of its own), in index order. */
    private static Map<Path, List<String>> shards(Path file) {
        Path index = index(file);
        Map<Path, List<String>> out = new LinkedHashMap<>();
        if (Files.exists(file) || !Files.exists(index)) {
            out.put(file, null);
            return out;
        }
        JsonNode weightMap;
        try {
            JsonNode root = JSON.readTree(index.toFile());
            weightMap = root == null ? null : root.get("weight_map");
        } catch (IOException e) {
            throw new ConversionException(index + ": not a readable JSON index (" + e.getMessage().lines().findFirst().orElse("") + ")");
        }
        if (weightMap == null || !weightMap.isObject()) throw new ConversionException(index + ": no weight_map object");
        for (var it = weightMap.fields(); it.hasNext(); ) {
            var e = it.next();
            if (!e.getValue().isTextual()) throw new ConversionException(index + ": the shard of " + e.getKey() + " is not a file name");
            Path shard;
            try {
                shard = index.resolveSibling(e.getValue().asText()).normalize();
            } catch (java.nio.file.InvalidPathException bad) {
                throw new ConversionException(index + ": shard of " + e.getKey() + " is not a valid file name");
            }
            if (!index.getParent().normalize().equals(shard.getParent())) throw new ConversionException(index + ": shard " + e.getValue().asText() + " is outside the folder");
            refusePickle(shard);
            out.computeIfAbsent(shard, s -> new ArrayList<>()).add(e.getKey());
        }
        return out;
    }

    /** Every tensor of one model's file in a refiners-format folder, mapped; a missing file says so. */
    public static Map<String, Tensor> refinersFile(Path file) {
        if (!Files.exists(file)) throw new ConversionException(file + " is missing from the refiners-format folder");
        try (SafeTensors st = SafeTensors.open(file)) {
            return st.all();
        }
    }

    /**
     * The index of a sharded set: file.safetensors.index.json, or for a variant (model.fp16.safetensors) also the name
     * diffusers and transformers give it, model.safetensors.index.fp16.json.
     */
    private static Path index(Path file) {
        String n = file.getFileName().toString();
        Path plain = file.resolveSibling(n + ".index.json");
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(.+)\\.([A-Za-z0-9]+)\\.safetensors").matcher(n);
        if (Files.exists(plain) || !m.matches()) return plain;
        Path variant = file.resolveSibling(m.group(1) + ".safetensors.index." + m.group(2) + ".json");
        return Files.exists(variant) ? variant : plain;
    }

    /** The first of several candidate files that exists (e.g. full precision before fp16). */
    public static Path firstExisting(Path dir, String... names) {
        for (String n : names) {
            Path p = dir.resolve(n);
            if (Files.exists(p) || Files.exists(index(p))) return p;
        }
        try (java.util.stream.Stream<Path> files = Files.isDirectory(dir) ? Files.list(dir) : java.util.stream.Stream.empty()) {
            for (Path f : files.sorted().toList()) refusePickle(f); // a pickle-only folder says why it cannot be used
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        throw new ConversionException(dir + ": none of " + String.join(", ", names));
    }
}
