package refiners.mesh;

import io.grpc.Status;
import java.util.List;

/**
 * The model families the mesh can serve: "sd15" (Stable Diffusion 1.x) and "sdxl". Each service serves the families
 * of its REFINERS_MODELS setting (the first is the default of a request that names none); a request naming another
 * is INVALID_ARGUMENT naming its {@code model} field.
 */
public final class ModelFamilies {
    public static final String SD15 = "sd15";
    public static final String SDXL = "sdxl";
    public static final List<String> KNOWN = List.of(SD15, SDXL);

    private ModelFamilies() {}

    /** The setting checked: known families, none twice, at least one (a bad setting stops the service, saying why). */
    public static List<String> served(List<String> setting) {
        List<String> out = setting.stream().map(String::trim).filter(s -> !s.isEmpty()).toList();
        if (out.isEmpty()) throw new IllegalArgumentException("refiners.models (REFINERS_MODELS) is empty: name one or more of " + KNOWN);
        for (String m : out) if (!KNOWN.contains(m)) throw new IllegalArgumentException("refiners.models (REFINERS_MODELS): unknown model family '" + m + "' (known: " + String.join(", ", KNOWN) + ")");
        if (out.stream().distinct().count() != out.size()) throw new IllegalArgumentException("refiners.models (REFINERS_MODELS) lists a family twice: " + out);
        return out;
    }

    /** The family a request asks for: empty is the first served; one not served is INVALID_ARGUMENT naming {@code field}. */
    public static String resolve(String requested, List<String> served, String field) {
        if (requested == null || requested.isEmpty()) return served.get(0);
        if (!served.contains(requested))
            throw Status.INVALID_ARGUMENT.withDescription(field + ": unknown model '" + requested + "' (served: " + String.join(", ", served) + ")").asRuntimeException();
        return requested;
    }
}
