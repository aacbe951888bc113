package refiners.mesh.orchestrator.rest;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import refiners.proto.orchestrator.v1.GenerateRequest;

/**
 * AUTOMATIC1111's sampler names mapped to our solvers (docs/api.md has the table): the samplers we can run the way
 * A1111 does, by their A1111 names and aliases (and our solver names); "Karras" as the scheduler, or a " Karras"
 * suffix (the names before A1111 1.9), gives the DPM++ samplers Karras sigmas. Any other sampler or scheduler is refused
 * naming the field.
 */
public final class A1111Samplers {
    /** A1111's default when a request names no sampler (its API's sampler_index default). */
    static final String DEFAULT = "Euler";
    private static final String KARRAS = "Karras";

    /** A sampler as GET /sdapi/v1/samplers lists it; options: the solver and the solver options it runs with. */
    public record Sampler(String name, List<String> aliases, Map<String, String> options) {
        boolean dpm() {
            return options.get("solver").equals("dpm");
        }
    }

    static final List<Sampler> ALL = List.of(
            new Sampler("DPM++ 2M", List.of("k_dpmpp_2m", "dpm"), Map.of("solver", "dpm")),
            new Sampler("DPM++ 2M SDE", List.of("k_dpmpp_2m_sde"), Map.of("solver", "dpm", "sde_variance", "1")),
            new Sampler("Euler", List.of("k_euler", "euler"), Map.of("solver", "euler")),
            new Sampler("DDIM", List.of("ddim"), Map.of("solver", "ddim")),
            new Sampler("LCM", List.of("k_lcm", "lcm"), Map.of("solver", "lcm")));

    private A1111Samplers() {}

    /** The sampler a request names and its scheduler, as the solver fields of {@code b}; returns the sampler's A1111 name. */
    static String apply(GenerateRequest.Builder b, String samplerName, String scheduler) {
        String name = samplerName == null || samplerName.isBlank() ? DEFAULT : samplerName.trim();
        boolean suffix = name.endsWith(" " + KARRAS), karras = suffix;
        if (suffix) name = name.substring(0, name.length() - KARRAS.length() - 1);
        Sampler s = find(name);
        if (s == null)
            throw OpenAiImages.refused("sampler_name", "unknown or unserved sampler '" + samplerName + "' (served: "
                    + String.join(", ", ALL.stream().map(Sampler::name).toList()) + ", and the DPM++ ones with \" Karras\")");
        if (scheduler != null && !scheduler.isBlank() && !scheduler.equalsIgnoreCase("automatic")) {
            if (!scheduler.equalsIgnoreCase(KARRAS)) throw OpenAiImages.refused("scheduler", "unserved scheduler '" + scheduler + "' (served: Automatic, Karras)");
            karras = true;
        }
        if (karras && !s.dpm()) throw OpenAiImages.refused(suffix ? "sampler_name" : "scheduler", "Karras sigmas go with the DPM++ samplers only");
        b.setSolver(s.options().get("solver"));
        if (s.options().containsKey("sde_variance")) b.setSdeVariance(Double.parseDouble(s.options().get("sde_variance")));
        if (karras) b.setSigmaSchedule("karras");
        return s.name() + (karras ? " " + KARRAS : "");
    }

    private static Sampler find(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        for (Sampler s : ALL) if (s.name().toLowerCase(Locale.ROOT).equals(n) || s.aliases().contains(n)) return s;
        return null;
    }

    /** GET /sdapi/v1/samplers' answer: the A1111 names, then their Karras forms. */
    static List<Sampler> listing() {
        List<Sampler> out = new java.util.ArrayList<>(ALL);
        for (Sampler s : ALL)
            if (s.dpm()) {
                Map<String, String> options = new LinkedHashMap<>(s.options());
                options.put("sigma_schedule", "karras");
                out.add(new Sampler(s.name() + " " + KARRAS, List.of(), options));
            }
        return out;
    }
}
