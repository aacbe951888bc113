package refiners.foundationals.latent_diffusion.stable_diffusion_1;

import java.util.List;
import java.util.Locale;
import refiners.foundationals.latent_diffusion.InvalidRequestException;

/**
 * A text-to-image request, validated the same way in process and through the mesh.
 *
 * @param loras LoRA names with user scales (1.0 = as trained), applied in order
 */
public record GenerationRequest(
        String prompt,
        String negativePrompt,
        int steps,
        double guidanceScale,
        String solver,
        int width,
        int height,
        long seed,
        List<LoraWeight> loras) {

    public static final int DEFAULT_STEPS = 30;
    public static final double DEFAULT_GUIDANCE = 7.5;
    public static final String DEFAULT_SOLVER = "dpm";
    public static final int DEFAULT_SIZE = 512;
    public static final int MAX_STEPS = 150;
    public static final int MIN_SIZE = 64;
    public static final int MAX_SIZE = 2048;
    public static final List<String> SOLVERS = List.of("dpm", "ddim", "euler");

    public record LoraWeight(String name, double scale) {}

    public GenerationRequest {
        prompt = prompt == null ? "" : prompt;
        negativePrompt = negativePrompt == null ? "" : negativePrompt;
        solver = solver == null || solver.isBlank() ? DEFAULT_SOLVER : solver.trim().toLowerCase(Locale.ROOT);
        loras = loras == null ? List.of() : List.copyOf(loras);
    }

    /** A request with every default but the prompt and seed. */
    public static GenerationRequest of(String prompt, long seed) {
        return new GenerationRequest(prompt, "", DEFAULT_STEPS, DEFAULT_GUIDANCE, DEFAULT_SOLVER, DEFAULT_SIZE, DEFAULT_SIZE, seed, List.of());
    }

    /** Checks every field; maxPixels bounds width x height (memory). */
    public GenerationRequest validate(long maxPixels) {
        if (steps < 1 || steps > MAX_STEPS) throw new InvalidRequestException("steps", "must be in 1.." + MAX_STEPS + ", got " + steps);
        if (!Double.isFinite(guidanceScale)) throw new InvalidRequestException("guidance_scale", "must be a finite number, got " + guidanceScale);
        if (guidanceScale < 0 || guidanceScale > 50) throw new InvalidRequestException("guidance_scale", "must be in 0..50, got " + guidanceScale);
        if (!SOLVERS.contains(solver)) throw new InvalidRequestException("solver", "unknown solver '" + solver + "' (known: " + String.join(", ", SOLVERS) + ")");
        checkSize("width", width);
        checkSize("height", height);
        if ((long) width * height > maxPixels)
            throw new InvalidRequestException("width", width + "x" + height + " exceeds the " + maxPixels + "-pixel budget of this deployment");
        for (int i = 0; i < loras.size(); i++) {
            LoraWeight l = loras.get(i);
            if (l.name() == null || l.name().isBlank()) throw new InvalidRequestException("loras[" + i + "].name", "is empty");
            if (!Double.isFinite(l.scale()) || Math.abs(l.scale()) > 10) throw new InvalidRequestException("loras[" + i + "].scale", "must be finite and within -10..10, got " + l.scale());
            for (int j = 0; j < i; j++)
                if (loras.get(j).name().equals(l.name())) throw new InvalidRequestException("loras[" + i + "].name", "'" + l.name() + "' is listed twice");
        }
        return this;
    }

    private static void checkSize(String field, int v) {
        if (v % 8 != 0) throw new InvalidRequestException(field, "must be a multiple of 8, got " + v);
        if (v < MIN_SIZE || v > MAX_SIZE) throw new InvalidRequestException(field, "must be in " + MIN_SIZE + ".." + MAX_SIZE + ", got " + v);
    }

    /** Latent shape (1, 4, height / 8, width / 8). */
    public long[] latentShape() {
        return new long[] {1, 4, height / 8, width / 8};
    }
}
