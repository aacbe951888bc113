package refiners.training;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import refiners.fluxion.Tensor;
import refiners.fluxion.safetensors.SafeTensors;
import refiners.fluxion.safetensors.SafeTensorsWriter;

/**
 * The training images encoded once by the autoencoder: latents are kept in a safetensors file and reused while the
 * images (paths, sizes, modification times) and the training size are the same.
 */
public final class LatentCache {
    private LatentCache() {}

    /** The latents (1, 4, size/8, size/8) of every item, from the cache file when it is current, else encoded and saved. */
    public static List<Tensor> latents(List<CaptionedImageFolder.Item> items, int size, Path cacheFile, Function<Tensor, Tensor> encoder,
                                       java.util.function.Consumer<String> log) {
        String signature = signature(items, size);
        if (Files.exists(cacheFile)) {
            try (SafeTensors st = SafeTensors.open(cacheFile)) {
                if (signature.equals(st.metadata().get("signature")) && st.keys().size() == items.size()) {
                    List<Tensor> out = new ArrayList<>();
                    for (int i = 0; i < items.size(); i++) out.add(st.get(Integer.toString(i)).copy());
                    log.accept("latents: " + items.size() + " images from " + cacheFile);
                    return out;
                }
            } catch (RuntimeException e) {
                log.accept("latents: ignoring unreadable cache " + cacheFile + " (" + e.getMessage() + ")");
            }
        }
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        List<Tensor> out = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int i = 0; i < items.size(); i++) {
            Tensor latents = encoder.apply(CaptionedImageFolder.load(items.get(i).image(), size));
            out.add(latents);
            tensors.put(Integer.toString(i), latents);
        }
        log.accept(String.format("latents: encoded %d images in %.1f s, cached in %s", items.size(), (System.nanoTime() - t0) / 1e9, cacheFile));
        try {
            Files.createDirectories(cacheFile.toAbsolutePath().getParent());
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot create " + cacheFile.getParent() + ": " + e.getMessage(), e);
        }
        SafeTensorsWriter.write(cacheFile, tensors, Map.of("signature", signature));
        return out;
    }

    private static String signature(List<CaptionedImageFolder.Item> items, int size) {
        StringBuilder s = new StringBuilder("size=" + size);
        for (CaptionedImageFolder.Item it : items) {
            try {
                s.append('|').append(it.image().toAbsolutePath()).append(':').append(Files.size(it.image())).append(':').append(Files.getLastModifiedTime(it.image()).toMillis());
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot read " + it.image() + ": " + e.getMessage(), e);
            }
        }
        return Long.toHexString(refiners.fluxion.DetInit.fnv1a64(s.toString()));
    }
}
