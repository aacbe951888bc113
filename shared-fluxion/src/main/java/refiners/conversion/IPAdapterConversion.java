package refiners.conversion;

import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import refiners.fluxion.Tensor;

/**
 * An SD1.5 IP-Adapter's weights in refiners' file layout ({@code image_proj.<key>}, {@code ip_adapter.NNN.to_k_ip.weight}),
 * from a refiners-format file or a published one (h94/IP-Adapter's {@code ip-adapter[-plus]_sd15.safetensors}), whose
 * keys map through refiners/conversion/ipadapter[_plus]_sd15.published.tsv. The layout and the variant (plain or
 * Plus) are told by the keys; anything missing, unexpected or mis-shaped is reported in one ConversionException.
 */
public final class IPAdapterConversion {
    /** Keys only the published layouts have: the plain projection, the Plus resampler's input projection. */
    static final String PUBLISHED_PLAIN = "image_proj.proj.weight", PUBLISHED_PLUS = "image_proj.proj_in.weight";
    /** The Plus resampler's queries: a bare (1, N, D) parameter in the published file, a (N, D) Parameter here. */
    static final String PUBLISHED_LATENTS = "image_proj.latents", LATENTS = "image_proj.LatentsToken.Parameter.weight";

    private IPAdapterConversion() {}

    /** Whether the weights (either layout) are IP-Adapter Plus' (a perceiver resampler) rather than the plain adapter's. */
    public static boolean isPlus(Set<String> keys) {
        return keys.contains(PUBLISHED_PLUS) || keys.contains(PUBLISHED_LATENTS) || keys.contains(LATENTS);
    }

    /** @param expected the adapter's file keys and shapes (refiners layout) */
    public static Map<String, Tensor> stateDict(Path file, Map<String, long[]> expected) {
        return convert(file.getFileName().toString(), Checkpoints.open(file), expected);
    }

    static Map<String, Tensor> convert(String source, Map<String, Tensor> tensors, Map<String, long[]> expected) {
        ModuleMap map;
        if (tensors.containsKey(PUBLISHED_PLAIN)) map = ModuleMap.load("ipadapter_sd15.published");
        else if (tensors.containsKey(PUBLISHED_PLUS)) {
            map = ModuleMap.load("ipadapter_plus_sd15.published").withIdentity(LATENTS);
            tensors = KeyConversion.renameParameter(tensors, PUBLISHED_LATENTS, LATENTS, expected.getOrDefault(LATENTS, new long[] {-1}));
        } else map = ModuleMap.identity("refiners IP-Adapter", expected.keySet());
        return KeyConversion.convert(source, tensors, map, expected, k -> false).tensors();
    }
}
