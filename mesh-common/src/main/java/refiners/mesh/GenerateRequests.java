package refiners.mesh;

import java.security.SecureRandom;
import java.util.List;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.GenerationRequest;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.GenerationRequest.LoraWeight;
import refiners.proto.orchestrator.v1.GenerateRequest;

/** The wire request to a validated GenerationRequest (defaults for unset fields; a random seed when none is given). */
public final class GenerateRequests {
    private static final SecureRandom SEEDS = new SecureRandom();

    private GenerateRequests() {}

    public static GenerationRequest toGenerationRequest(GenerateRequest r, long maxPixels) {
        List<LoraWeight> loras = r.getLorasList().stream().map(l -> new LoraWeight(l.getName(), l.getScale())).toList();
        return new GenerationRequest(
                r.getPrompt(),
                r.getNegativePrompt(),
                r.hasSteps() ? r.getSteps() : GenerationRequest.DEFAULT_STEPS,
                r.hasGuidanceScale() ? r.getGuidanceScale() : GenerationRequest.DEFAULT_GUIDANCE,
                r.getSolver(),
                r.hasWidth() ? r.getWidth() : GenerationRequest.DEFAULT_SIZE,
                r.hasHeight() ? r.getHeight() : GenerationRequest.DEFAULT_SIZE,
                r.hasSeed() ? r.getSeed() : randomSeed(),
                loras).validate(maxPixels);
    }

    /** Non-negative, so it reads the same in any client. */
    public static long randomSeed() {
        return SEEDS.nextLong() & Long.MAX_VALUE;
    }
}
