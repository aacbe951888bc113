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
    void aStageThatCannotBeReachedIsUnavailableNamingItAndItsAddress() {
        StatusRuntimeException e = Stage.VAE.failure(Status.UNAVAILABLE.withDescription("io exception").asRuntimeException());
        assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
        assertEquals("vae-svc unavailable at localhost:8083: io exception", e.getStatus().getDescription());
        StatusRuntimeException notFound = Stage.UNET.failure(Status.NOT_FOUND.withDescription("loras[0].name: unknown").asRuntimeException());
        assertEquals("unet-svc: loras[0].name: unknown", notFound.getStatus().getDescription());
        assertEquals(Status.Code.DEADLINE_EXCEEDED, Stage.TEXT_ENCODER.failure(new java.util.concurrent.TimeoutException()).getStatus().getCode());
    }
}
