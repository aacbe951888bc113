package refiners.mesh.orchestrator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.Test;
import refiners.fluxion.InvalidRequestException;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.GenerationRequest;
import refiners.foundationals.latent_diffusion.solvers.DPMSolver;
import refiners.foundationals.latent_diffusion.solvers.LCMSolver;
import refiners.foundationals.latent_diffusion.solvers.NoiseSchedule;
import refiners.foundationals.latent_diffusion.solvers.Solver;
import refiners.foundationals.latent_diffusion.solvers.TimestepSpacing;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SolverOptions;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.StableDiffusion_1;
import refiners.mesh.GenerateRequests;
import refiners.mesh.orchestrator.rest.ImageRequest;
import refiners.proto.orchestrator.v1.GenerateRequest;

class GenerateRequestsTest {
    @Test
    void unsetFieldsTakeTheDefaults() {
        GenerationRequest r = GenerateRequests.toGenerationRequest(GenerateRequest.newBuilder().setPrompt("p").setSeed(5).build(), Long.MAX_VALUE);
        assertEquals(GenerationRequest.DEFAULT_STEPS, r.steps());
        assertEquals(GenerationRequest.DEFAULT_GUIDANCE, r.guidanceScale());
        assertEquals(GenerationRequest.DEFAULT_SOLVER, r.solver());
        assertEquals(GenerationRequest.DEFAULT_SIZE, r.width());
        assertEquals(GenerationRequest.DEFAULT_SIZE, r.height());
        assertEquals(5, r.seed());
        assertEquals("", r.negativePrompt());
    }

    @Test
    void aLoraWithoutAScaleIsAppliedAsTrained() {
        GenerationRequest r = GenerateRequests.toGenerationRequest(GenerateRequest.newBuilder()
                .addLoras(refiners.proto.common.v1.LoraWeight.newBuilder().setName("style"))
                .addLoras(refiners.proto.common.v1.LoraWeight.newBuilder().setName("off").setScale(0)).build(), Long.MAX_VALUE);
        assertEquals(java.util.List.of(new GenerationRequest.LoraWeight("style", 1.0), new GenerationRequest.LoraWeight("off", 0.0)), r.loras());
    }

    @Test
    void anUnsetSeedIsRandomAndNonNegative() {
        long a = GenerateRequests.toGenerationRequest(GenerateRequest.getDefaultInstance(), Long.MAX_VALUE).seed();
        long b = GenerateRequests.toGenerationRequest(GenerateRequest.getDefaultInstance(), Long.MAX_VALUE).seed();
        assertTrue(a >= 0 && b >= 0);
        assertNotEquals(a, b);
    }

    @Test
    void anExplicitZeroIsValidatedNotDefaulted() {
        InvalidRequestException e = assertThrows(InvalidRequestException.class,
                () -> GenerateRequests.toGenerationRequest(GenerateRequest.newBuilder().setSteps(0).build(), Long.MAX_VALUE));
        assertEquals("steps", e.field());
        assertEquals("width", assertThrows(InvalidRequestException.class,
                () -> GenerateRequests.toGenerationRequest(GenerateRequest.newBuilder().setWidth(1024).setHeight(1024).build(), 512 * 512)).field());
    }

    static String refusedField(GenerateRequest.Builder r) {
        return assertThrows(InvalidRequestException.class, () -> GenerateRequests.toGenerationRequest(r.build(), Long.MAX_VALUE)).field();
    }

    @Test
    void everySolverIsServedByNameWithItsOptions() {
        for (String solver : GenerationRequest.SOLVERS)
            assertEquals(solver, GenerateRequests.toGenerationRequest(GenerateRequest.newBuilder().setSolver(solver).setSteps(4).setGuidanceScale(1).build(), Long.MAX_VALUE).solver());
        GenerationRequest r = GenerateRequests.toGenerationRequest(GenerateRequest.newBuilder().setSolver("dpm").setTimestepsSpacing("Trailing")
                .setTimestepsOffset(0).setNoiseSchedule("karras").setSigmaSchedule("karras").setSdeVariance(1).setLastStepFirstOrder(true).build(), Long.MAX_VALUE);
        assertEquals(new SolverOptions("trailing", 0, "karras", "karras", 1.0, true), r.solverOptions());
        assertEquals(SolverOptions.DEFAULT, GenerateRequests.toGenerationRequest(GenerateRequest.getDefaultInstance(), Long.MAX_VALUE).solverOptions());
        // the options reach the solver the loop runs
        Solver solver = StableDiffusion_1.solver(r.solver(), r.solverOptions(), r.steps(), 0);
        assertEquals(TimestepSpacing.TRAILING, solver.params().timestepsSpacing());
        assertEquals(NoiseSchedule.KARRAS, solver.params().sigmaSchedule());
        assertTrue(solver.isStochastic(0) && ((DPMSolver) solver).lastStepFirstOrder());
        assertTrue(StableDiffusion_1.solver("lcm", SolverOptions.DEFAULT, 4, 0) instanceof LCMSolver);
    }

    @Test
    void badSolversAndSolverOptionsAreRefusedNamingTheField() {
        assertTrue(assertThrows(InvalidRequestException.class, () -> GenerateRequests.toGenerationRequest(GenerateRequest.newBuilder().setSolver("ddpm").build(),
                Long.MAX_VALUE)).getMessage().contains("training"));
        assertEquals("solver", refusedField(GenerateRequest.newBuilder().setSolver("heun")));
        assertEquals("timesteps_spacing", refusedField(GenerateRequest.newBuilder().setTimestepsSpacing("sideways")));
        assertEquals("timesteps_spacing", refusedField(GenerateRequest.newBuilder().setTimestepsSpacing("custom")));
        assertEquals("timesteps_offset", refusedField(GenerateRequest.newBuilder().setSolver("ddim").setTimestepsOffset(-1)));
        assertEquals("timesteps_offset", refusedField(GenerateRequest.newBuilder().setSolver("ddim").setTimestepsSpacing("trailing").setTimestepsOffset(1)));
        assertEquals("timesteps_offset", refusedField(GenerateRequest.newBuilder().setSolver("lcm").setGuidanceScale(1).setTimestepsOffset(0)));
        assertEquals("noise_schedule", refusedField(GenerateRequest.newBuilder().setNoiseSchedule("cosine")));
        assertEquals("noise_schedule", refusedField(GenerateRequest.newBuilder().setSolver("euler").setNoiseSchedule("karras")));
        assertEquals("sigma_schedule", refusedField(GenerateRequest.newBuilder().setSolver("ddim").setSigmaSchedule("karras")));
        assertEquals("sigma_schedule", refusedField(GenerateRequest.newBuilder().setSigmaSchedule("cosine")));
        assertEquals("sde_variance", refusedField(GenerateRequest.newBuilder().setSdeVariance(-1)));
        assertEquals("sde_variance", refusedField(GenerateRequest.newBuilder().setSdeVariance(0.5)));
        assertEquals("sde_variance", refusedField(GenerateRequest.newBuilder().setSolver("euler").setSdeVariance(1)));
        assertEquals("last_step_first_order", refusedField(GenerateRequest.newBuilder().setSolver("lcm").setGuidanceScale(1).setLastStepFirstOrder(true)));
        // LCM is distilled for guidance 1 to 2: above 3 refused, up to 3 served
        assertEquals("guidance_scale", refusedField(GenerateRequest.newBuilder().setSolver("lcm").setSteps(4).setGuidanceScale(3.5f)));
        assertEquals(3, GenerateRequests.toGenerationRequest(GenerateRequest.newBuilder().setSolver("lcm").setSteps(4).setGuidanceScale(3).build(), Long.MAX_VALUE).guidanceScale());
        assertEquals("steps", refusedField(GenerateRequest.newBuilder().setSolver("lcm").setSteps(51).setGuidanceScale(1)));
    }

    @Test
    void restSolverOptionsAreTheWireFields() {
        ImageRequest body = new ImageRequest(null, null, null, null, "dpm", null, null, null, null, null, null, null, null,
                "leading", 2, "uniform", "karras", 1.0, false, null, null, null, null, null, null, null, null);
        assertEquals(GenerateRequest.newBuilder().setSolver("dpm").setTimestepsSpacing("leading").setTimestepsOffset(2).setNoiseSchedule("uniform")
                .setSigmaSchedule("karras").setSdeVariance(1).setLastStepFirstOrder(false).build(), body.toGenerateRequest());
    }

    @Test
    void restBodiesBecomeTheSameWireRequest() {
        ImageRequest body = new ImageRequest("p", "n", 3, 7.5, "euler", 64, 72, 9L, java.util.List.of(new ImageRequest.Lora("style", null)),
                null, null, null, null);
        GenerateRequest r = body.toGenerateRequest();
        assertEquals(GenerateRequest.newBuilder().setPrompt("p").setNegativePrompt("n").setSteps(3).setGuidanceScale(7.5f).setSolver("euler")
                .setWidth(64).setHeight(72).setSeed(9)
                .addLoras(refiners.proto.common.v1.LoraWeight.newBuilder().setName("style")).build(), r);
        assertEquals(GenerateRequest.getDefaultInstance(), new ImageRequest(null, null, null, null, null, null, null, null, null, null, null, null, null).toGenerateRequest());
        ImageRequest images = new ImageRequest(null, null, null, null, null, null, null, null, null, new byte[] {1}, 0.6, new byte[] {2},
                java.util.List.of(new ImageRequest.Controlnet("canny", new byte[] {3}, 0.8, null, "canny")));
        assertEquals(GenerateRequest.newBuilder().setInitImage(com.google.protobuf.ByteString.copyFrom(new byte[] {1})).setStrength(0.6)
                .setMask(com.google.protobuf.ByteString.copyFrom(new byte[] {2}))
                .addControlnets(refiners.proto.orchestrator.v1.ControlnetRequest.newBuilder().setName("canny")
                        .setImage(com.google.protobuf.ByteString.copyFrom(new byte[] {3})).setScale(0.8).setPreprocess("canny")).build(), images.toGenerateRequest());
    }

    @Test
    void restImagePromptsAreTheWireFields() {
        ImageRequest body = new ImageRequest(null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null,
                java.util.List.of(new ImageRequest.ImagePrompt(new byte[] {4}, 0.5), new ImageRequest.ImagePrompt(new byte[] {5}, null)), "plus", 0.7, null, null, null, null, null);
        assertEquals(GenerateRequest.newBuilder()
                .addImagePrompts(refiners.proto.orchestrator.v1.ImagePrompt.newBuilder().setImage(com.google.protobuf.ByteString.copyFrom(new byte[] {4})).setScale(0.5))
                .addImagePrompts(refiners.proto.orchestrator.v1.ImagePrompt.newBuilder().setImage(com.google.protobuf.ByteString.copyFrom(new byte[] {5})))
                .setIpAdapter("plus").setIpAdapterScale(0.7).build(), body.toGenerateRequest());
    }

    @Test
    void imagePromptFieldsAreChecked() {
        var png = com.google.protobuf.ByteString.copyFrom(refiners.fluxion.utils.Images.rgbToPng(refiners.fluxion.Tensor.zeros(refiners.fluxion.DType.U8, 40, 56, 3)));
        var prompt = refiners.proto.orchestrator.v1.ImagePrompt.newBuilder().setImage(png);
        GenerationRequest ok = GenerateRequests.toGenerationRequest(GenerateRequest.newBuilder().addImagePrompts(prompt).setIpAdapter("plain").build(), Long.MAX_VALUE);
        assertEquals(1.0, ok.ipAdapter().scale());
        assertEquals(java.util.List.of(40L, 56L, 3L), java.util.Arrays.stream(ok.ipAdapter().images().get(0).image().shape()).boxed().toList());
        assertEquals(null, GenerateRequests.toGenerationRequest(GenerateRequest.getDefaultInstance(), Long.MAX_VALUE).ipAdapter());
        assertEquals("ip_adapter", refusedField(GenerateRequest.newBuilder().addImagePrompts(prompt)));
        assertEquals("ip_adapter", refusedField(GenerateRequest.newBuilder().addImagePrompts(prompt).setIpAdapter("../plain")));
        assertEquals("image_prompts", refusedField(GenerateRequest.newBuilder().setIpAdapter("plain")));
        assertEquals("image_prompts", refusedField(GenerateRequest.newBuilder().setIpAdapterScale(0.5)));
        assertEquals("ip_adapter_scale", refusedField(GenerateRequest.newBuilder().addImagePrompts(prompt).setIpAdapter("plain").setIpAdapterScale(11)));
        assertEquals("ip_adapter_scale", refusedField(GenerateRequest.newBuilder().addImagePrompts(prompt).setIpAdapter("plain").setIpAdapterScale(Double.NaN)));
        assertEquals("image_prompts[1].scale", refusedField(GenerateRequest.newBuilder().addImagePrompts(prompt).addImagePrompts(prompt.clone().setScale(-1))
                .setIpAdapter("plain")));
        assertEquals("image_prompts[0].image", refusedField(GenerateRequest.newBuilder().addImagePrompts(prompt.clone().setImage(com.google.protobuf.ByteString.copyFromUtf8("no image")))
                .setIpAdapter("plain")));
        assertEquals("image_prompts[0].image", refusedField(GenerateRequest.newBuilder().addImagePrompts(refiners.proto.orchestrator.v1.ImagePrompt.newBuilder())
                .setIpAdapter("plain")));
        var five = GenerateRequest.newBuilder().setIpAdapter("plain");
        for (int i = 0; i <= GenerationRequest.MAX_IMAGE_PROMPTS; i++) five.addImagePrompts(prompt);
        assertEquals("image_prompts", refusedField(five));
    }

    @Test
    void restReferenceFieldsAreTheWireFields() {
        ImageRequest body = new ImageRequest(null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null,
                null, null, null, new byte[] {6}, 0.3, null, null, "sdxl");
        assertEquals(GenerateRequest.newBuilder().setReferenceImage(com.google.protobuf.ByteString.copyFrom(new byte[] {6})).setReferenceStyleCfg(0.3).setModel("sdxl").build(),
                body.toGenerateRequest());
    }

    @Test
    void referenceFieldsAreChecked() {
        var png = com.google.protobuf.ByteString.copyFrom(refiners.fluxion.utils.Images.rgbToPng(refiners.fluxion.Tensor.zeros(refiners.fluxion.DType.U8, 64, 96, 3)));
        GenerateRequest.Builder sized = GenerateRequest.newBuilder().setWidth(96).setHeight(64);
        GenerationRequest ok = GenerateRequests.toGenerationRequest(sized.clone().setReferenceImage(png).build(), Long.MAX_VALUE);
        assertEquals(GenerationRequest.DEFAULT_REFERENCE_STYLE_CFG, ok.reference().styleCfg());
        assertEquals(java.util.List.of(64L, 96L, 3L), java.util.Arrays.stream(ok.reference().image().shape()).boxed().toList());
        assertEquals(ok.reference(), ok.withSeed(5).reference());
        assertEquals(0.2, GenerateRequests.toGenerationRequest(sized.clone().setReferenceImage(png).setReferenceStyleCfg(0.2).build(), Long.MAX_VALUE).reference().styleCfg());
        assertEquals(null, GenerateRequests.toGenerationRequest(GenerateRequest.getDefaultInstance(), Long.MAX_VALUE).reference());
        assertEquals("reference_image", refusedField(sized.clone().setReferenceStyleCfg(0.5)));
        assertEquals("reference_image", refusedField(sized.clone().setReferenceImage(com.google.protobuf.ByteString.copyFromUtf8("no image"))));
        assertEquals("reference_image", refusedField(GenerateRequest.newBuilder().setReferenceImage(png)), "not the request's size");
        assertEquals("reference_image", refusedField(sized.clone().setReferenceImage(png).setGuidanceScale(1)), "without guidance");
        assertEquals("reference_style_cfg", refusedField(sized.clone().setReferenceImage(png).setReferenceStyleCfg(1.5)));
        assertEquals("reference_style_cfg", refusedField(sized.clone().setReferenceImage(png).setReferenceStyleCfg(Double.NaN)));
        InvalidRequestException large = assertThrows(InvalidRequestException.class,
                () -> GenerateRequests.toGenerationRequest(sized.clone().setReferenceImage(png).build(), 64 * 64));
        assertEquals("reference_image", large.field());
    }

    @Test
    void aStageThatCannotBeReachedIsUnavailableNamingItAndItsAddress() {
        StatusRuntimeException e = Stage.VAE.failure(Status.UNAVAILABLE.withDescription("io exception").asRuntimeException());
        assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
        assertEquals("vae-svc unavailable at localhost:8083: io exception", e.getStatus().getDescription());
        StatusRuntimeException notFound = Stage.UNET.failure(Status.NOT_FOUND.withDescription("loras[0].name: unknown").asRuntimeException());
        assertEquals("unet-svc: loras[0].name: unknown", notFound.getStatus().getDescription());
        assertEquals(Status.Code.DEADLINE_EXCEEDED, Stage.TEXT_ENCODER.failure(new java.util.concurrent.TimeoutException()).getStatus().getCode());
    }
}
