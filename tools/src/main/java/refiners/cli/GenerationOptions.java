package refiners.cli;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.GenerationRequest;
import refiners.mesh.GenerateRequests;
import refiners.options.Args;
import refiners.proto.common.v1.LoraWeight;
import refiners.proto.orchestrator.v1.ControlnetRequest;
import refiners.proto.orchestrator.v1.GenerateRequest;
import refiners.proto.orchestrator.v1.ImagePrompt;

/**
 * What to generate, with the same option names for both generate commands (in this process and through the mesh).
 * Unset options take the mesh's defaults in both cases (a random seed included, printed with the result). Images are
 * read here and travel as their file bytes, decoded by the same code in both cases.
 */
public final class GenerationOptions {
    static final List<String> NAMES = List.of("prompt", "negative-prompt", "steps", "guidance", "solver", "width", "height", "seed", "lora",
            "init-image", "strength", "mask", "controlnet", "out", "timesteps-spacing", "timesteps-offset", "noise-schedule", "sigma-schedule",
            "sde-variance", "last-step-first-order", "image-prompt", "ip-adapter", "ip-adapter-scale",
            "reference-image", "reference-style-cfg");
    static final String USAGE = """
            --prompt TEXT [--negative-prompt TEXT] [--steps 30] [--guidance 7.5] [--solver dpm|ddim|euler|lcm]
                     [--width 512] [--height 512] [--seed S] [--lora NAME[=SCALE]]... [--out image.png]
                     [--init-image IMAGE [--strength 1.0]] [--mask MASK] [--controlnet NAME=IMAGE[:SCALE[:DECAY]][:canny]]...
              --init-image: image to image (its size is the image size); --strength in (0, 1]: how much is repainted.
              --mask: with --init-image, inpainting: white is repainted (needs an inpainting UNet).
              --controlnet: a ControlNet of the ControlNet directory with its condition image, scale (1.0) and
                scale decay (1.0); ":canny" turns a photo into its Canny edges first, e.g. canny=photo.jpg:0.8:canny.
              --guidance 1 or less: no unconditional branch (one UNet sample per step); lcm: 2 to 8 steps, guidance <= 3.
              Solver options (unset: the solver's default): [--timesteps-spacing linspace|linspace_rounded|leading|trailing]
                [--timesteps-offset N] [--noise-schedule uniform|quadratic|karras]; dpm only: [--sigma-schedule
                uniform|quadratic|karras] [--sde-variance 0|1] [--last-step-first-order true|false].
              Image prompts: [--image-prompt IMAGE[:WEIGHT]]... --ip-adapter NAME [--ip-adapter-scale 1.0]: the result looks
                like the images (any size, up to 4), through an IP-Adapter of the IP-Adapter directory (plain or Plus).
              Reference-only control: --reference-image IMAGE [--reference-style-cfg 0.5]: the result follows the image's
                look (the image has the request's size; needs guidance above 1, not with --mask).""";

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
                LoraWeight.Builder lora = LoraWeight.newBuilder().setName(eq < 0 ? l : l.substring(0, eq));
                if (eq >= 0) lora.setScale(Float.parseFloat(l.substring(eq + 1))); // else unset: as trained
                r.addLoras(lora);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--lora NAME=SCALE: the scale must be a number, got '" + l.substring(eq + 1) + "'");
            }
        }
        if (a.has("init-image")) r.setInitImage(read("init-image", a.get("init-image", "")));
        if (a.has("strength")) r.setStrength(a.getDouble("strength", 1));
        if (a.has("mask")) r.setMask(read("mask", a.get("mask", "")));
        for (String c : a.all("controlnet")) r.addControlnets(controlnet(c));
        for (String p : a.all("image-prompt")) r.addImagePrompts(imagePrompt(p));
        if (a.has("ip-adapter")) r.setIpAdapter(a.get("ip-adapter", ""));
        if (a.has("ip-adapter-scale")) r.setIpAdapterScale(a.getDouble("ip-adapter-scale", 1));
        if (a.has("reference-image")) r.setReferenceImage(read("reference-image", a.get("reference-image", "")));
        if (a.has("reference-style-cfg")) r.setReferenceStyleCfg(a.getDouble("reference-style-cfg", 0));
        if (a.has("timesteps-spacing")) r.setTimestepsSpacing(a.get("timesteps-spacing", ""));
        if (a.has("timesteps-offset")) r.setTimestepsOffset(a.getInt("timesteps-offset", 0));
        if (a.has("noise-schedule")) r.setNoiseSchedule(a.get("noise-schedule", ""));
        if (a.has("sigma-schedule")) r.setSigmaSchedule(a.get("sigma-schedule", ""));
        if (a.has("sde-variance")) r.setSdeVariance(a.getDouble("sde-variance", 0));
        if (a.has("last-step-first-order")) r.setLastStepFirstOrder(bool("last-step-first-order", a.get("last-step-first-order", "")));
        return r.build();
    }

    private static boolean bool(String option, String value) {
        if (!value.equals("true") && !value.equals("false")) throw new IllegalArgumentException("--" + option + " must be true or false, got '" + value + "'");
        return Boolean.parseBoolean(value);
    }

    /** NAME=IMAGE[:SCALE[:DECAY]][:canny] (numbers and "canny" are read from the right, so the path may hold ':'). */
    static ControlnetRequest controlnet(String spec) {
        int eq = spec.indexOf('=');
        if (eq <= 0 || eq == spec.length() - 1) throw new IllegalArgumentException("--controlnet NAME=IMAGE[:SCALE[:DECAY]][:canny], got '" + spec + "'");
        ControlnetRequest.Builder c = ControlnetRequest.newBuilder().setName(spec.substring(0, eq));
        String rest = spec.substring(eq + 1);
        if (rest.endsWith(":canny")) {
            c.setPreprocess("canny");
            rest = rest.substring(0, rest.length() - ":canny".length());
        }
        List<Double> numbers = new ArrayList<>();
        for (int colon = rest.lastIndexOf(':'); colon > 0 && numbers.size() < 2; colon = rest.lastIndexOf(':')) {
            try {
                numbers.add(0, Double.parseDouble(rest.substring(colon + 1)));
            } catch (NumberFormatException e) {
                break;
            }
            rest = rest.substring(0, colon);
        }
        if (numbers.size() > 0) c.setScale(numbers.get(0));
        if (numbers.size() > 1) c.setScaleDecay(numbers.get(1));
        return c.setImage(read("controlnet " + c.getName(), rest)).build();
    }

    /** IMAGE[:WEIGHT] (a number after the last ':' is the weight, so the path may hold ':'). */
    static ImagePrompt imagePrompt(String spec) {
        ImagePrompt.Builder p = ImagePrompt.newBuilder();
        String file = spec;
        int colon = spec.lastIndexOf(':');
        if (colon > 0) {
            try {
                p.setScale(Double.parseDouble(spec.substring(colon + 1)));
                file = spec.substring(0, colon);
            } catch (NumberFormatException e) {
                // no weight: the colon is the path's
            }
        }
        return p.setImage(read("image-prompt", file)).build();
    }

    private static ByteString read(String option, String file) {
        try {
            return ByteString.copyFrom(Files.readAllBytes(Path.of(file)));
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("--" + option + ": cannot read '" + file + "': " + e.getMessage());
        }
    }

    /** The validated request as the mesh would take it (same defaults); bad values name the field. */
    static GenerationRequest generation(Args a, long maxPixels) {
        return GenerateRequests.toGenerationRequest(request(a), maxPixels);
    }

    static Path out(Args a) {
        return Path.of(a.get("out", "image.png"));
    }

    /** The names of the ControlNets a command line asks for (--controlnet NAME=...), e.g. to provide stand-ins. */
    public static List<String> controlnetNames(String[] args) {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String v = args[i].startsWith("--controlnet=") ? args[i].substring("--controlnet=".length())
                    : args[i].equals("--controlnet") && i + 1 < args.length ? args[++i] : null;
            if (v != null && v.indexOf('=') > 0) names.add(v.substring(0, v.indexOf('=')));
        }
        return names;
    }
}
