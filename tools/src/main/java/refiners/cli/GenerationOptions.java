package refiners.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.GenerationRequest;
import refiners.mesh.GenerateRequests;
import refiners.proto.common.v1.LoraWeight;
import refiners.proto.orchestrator.v1.GenerateRequest;

/**
 * What to generate, with the same option names for both generate commands (in this process and through the mesh).
 * Unset options take the mesh's defaults in both cases (a random seed included, printed with the result).
 */
final class GenerationOptions {
    static final List<String> NAMES = List.of("prompt", "negative-prompt", "steps", "guidance", "solver", "width", "height", "seed", "lora", "out");
    static final String USAGE = """
            --prompt TEXT [--negative-prompt TEXT] [--steps 30] [--guidance 7.5] [--solver dpm|ddim|euler]
                     [--width 512] [--height 512] [--seed S] [--lora NAME[=SCALE]]... [--out image.png]""";

    private GenerationOptions() {}

    /** The option names of a command: these plus its own. */
    static List<String> with(String... own) {
        return Stream.concat(NAMES.stream(), Stream.of(own)).toList();
    }

    /** The wire request: only the options given are set. */
    static GenerateRequest request(Args a) {
        GenerateRequest.Builder r = GenerateRequest.newBuilder().setPrompt(a.get("prompt", "")).setNegativePrompt(a.get("negative-prompt", ""))
                .setSolver(a.get("solver", ""));
        if (a.has("steps")) r.setSteps(a.getInt("steps", 0));
        if (a.has("guidance")) r.setGuidanceScale((float) a.getDouble("guidance", 0));
        if (a.has("width")) r.setWidth(a.getInt("width", 0));
        if (a.has("height")) r.setHeight(a.getInt("height", 0));
        if (a.has("seed")) r.setSeed(a.getLong("seed", 0));
        for (String l : a.all("lora")) {
            int eq = l.indexOf('=');
            try {
                r.addLoras(LoraWeight.newBuilder().setName(eq < 0 ? l : l.substring(0, eq)).setScale(eq < 0 ? 1f : Float.parseFloat(l.substring(eq + 1))));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--lora NAME=SCALE: the scale must be a number, got '" + l.substring(eq + 1) + "'");
            }
        }
        return r.build();
    }

    /** The validated request as the mesh would take it (same defaults); bad values name the field. */
    static GenerationRequest generation(Args a, long maxPixels) {
        return GenerateRequests.toGenerationRequest(request(a), maxPixels);
    }

    static Path out(Args a) {
        return Path.of(a.get("out", "image.png"));
    }
}
