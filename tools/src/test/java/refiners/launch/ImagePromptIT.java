package refiners.launch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import refiners.conversion.ModuleMap;
import refiners.fluxion.DType;
import refiners.fluxion.DetInit;
import refiners.fluxion.Tensor;
import refiners.fluxion.runtime.Runner;
import refiners.fluxion.safetensors.SafeTensors;
import refiners.fluxion.safetensors.SafeTensorsWriter;
import refiners.fluxion.utils.Images;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.IpAdapterLibrary;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.ProgressListener;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1Weights;
import refiners.mesh.GenerateRequests;
import refiners.pipeline.InProcessPipeline;
import refiners.proto.common.v1.LoraWeight;
import refiners.proto.orchestrator.v1.GenerateRequest;
import refiners.proto.orchestrator.v1.ImagePrompt;
import refiners.proto.orchestrator.v1.OrchestratorGrpc;
import refiners.proto.orchestrator.v1.Result;

/**
 * Image prompts end to end, on the shared mesh (SharedMesh: text-encoder-svc with the detinit CLIPImageEncoderH,
 * unet-svc with an IP-Adapter directory): through the mesh, alone or batched with other image-prompt generations (of
 * other scales, weights and LoRAs), a generation gets the pixels it gets in this JVM; the published layout loads to
 * the same adapter as refiners'; bad image prompts are refused naming the field. Small latents, few steps: the image
 * encoder (ViT-H) is the cost. Resume on another replica with an image prompt: BatchingIT (this class stops nothing,
 * SharedMesh.ORDER).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Order(SharedMesh.ORDER)
class ImagePromptIT {
    ManagedChannel channel;
    final ExecutorService callers = Executors.newCachedThreadPool();

    /**
     * The IP-Adapter directory: the detinit plain and Plus adapters in refiners' layout, the plain one again in the
     * published layout (the same tensors under h94/IP-Adapter's keys), and a LoRA file that is no IP-Adapter.
     */
    /** Linked, not copied: the detinit files are hundreds of MB, and every test JVM writes this directory again. */
    private static void link(Path file, Path at) throws java.io.IOException {
        Files.deleteIfExists(at);
        Files.createLink(at, file);
    }

    static Path ipAdapterDir(Path dir) throws Exception {
        Files.createDirectories(dir);
        Path plain = IpAdapterLibrary.detinitFile(false);
        link(plain, dir.resolve("plain.safetensors"));
        link(IpAdapterLibrary.detinitFile(true), dir.resolve("plus.safetensors"));
        Map<String, String> published = new LinkedHashMap<>();
        ModuleMap.load("ipadapter_sd15.published").modules().forEach((external, e) -> published.put(e.refinersModule(), external));
        Map<String, Tensor> out = new LinkedHashMap<>();
        try (SafeTensors st = SafeTensors.open(plain)) {
            st.all().forEach((k, t) -> {
                String module = k.substring(0, k.lastIndexOf('.'));
                out.put(published.get(module) + k.substring(k.lastIndexOf('.')), t.copy());
            });
        }
        SafeTensorsWriter.write(dir.resolve("plain-published.safetensors"), out);
        SafeTensorsWriter.write(dir.resolve("not-an-ip-adapter.safetensors"), MeshIT.styleLora());
        return dir;
    }

    @BeforeAll
    void start() throws Exception {
        SharedMesh shared = SharedMesh.get();
        channel = ManagedChannelBuilder.forTarget(shared.mesh.address(MeshService.ORCHESTRATOR)).usePlaintext().maxInboundMessageSize(64 << 20).build();
    }

    @AfterAll
    void stop() {
        callers.shutdownNow();
        if (channel != null) channel.shutdownNow();
    }

    /** A detinit RGB picture of that size, as a PNG. */
    static ByteString picture(int seed, int width, int height) {
        float[] v = DetInit.tensor("input:image-prompt", new long[] {height, width, 3}, seed, 0, 1).toFloatArray();
        java.nio.ByteBuffer b = Tensor.allocate(v.length);
        for (float f : v) b.put((byte) Math.max(0, Math.min(255, (int) (128 + 60 * f))));
        return ByteString.copyFrom(Images.rgbToPng(new Tensor(DType.U8, new long[] {height, width, 3}, b.flip())));
    }

    static ImagePrompt prompt(int seed, double weight) {
        return ImagePrompt.newBuilder().setImage(picture(seed, 40 + 8 * seed, 56)).setScale(weight).build();
    }

    static GenerateRequest.Builder small(int i) {
        return GenerateRequest.newBuilder().setPrompt("a teapot, variation " + i).setSteps(3).setGuidanceScale(6f + i).setSolver("dpm")
                .setWidth(64).setHeight(64).setSeed(300 + i);
    }

    int[] inProcessPixels(GenerateRequest r) {
        return InProcessPeer.pixels(r);
    }

    Result generate(GenerateRequest r) {
        return BatchingIT.result(OrchestratorGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.MINUTES).generate(r));
    }

    @Test
    void batchedImagePromptGenerationsGiveTheInProcessPixels() throws Exception {
        // two plain-adapter generations (one with a LoRA) that may share UNet calls, a Plus one with two weighted images
        List<GenerateRequest> requests = List.of(
                small(0).addImagePrompts(prompt(1, 1.0)).setIpAdapter("plain").setIpAdapterScale(0.8).build(),
                small(1).addImagePrompts(prompt(2, 0.7)).setIpAdapter("plain").addLoras(LoraWeight.newBuilder().setName("style").setScale(0.9f)).build(),
                small(2).addImagePrompts(prompt(3, 1.0)).addImagePrompts(prompt(4, 0.5)).setIpAdapter("plus").setIpAdapterScale(1.2).build());
        List<CompletableFuture<Result>> results = new ArrayList<>();
        for (GenerateRequest r : requests) results.add(CompletableFuture.supplyAsync(() -> generate(r), callers));
        for (int i = 0; i < requests.size(); i++) {
            int[] local = inProcessPixels(requests.get(i));
            assertArrayEquals(local, MeshIT.pixels(results.get(i).get(10, TimeUnit.MINUTES).getPng().toByteArray()), "generation " + i + ": mesh and in-process pixels differ");
            GenerateRequest without = requests.get(i).toBuilder().clearImagePrompts().clearIpAdapter().clearIpAdapterScale().build();
            assertFalse(java.util.Arrays.equals(local, inProcessPixels(without)), "generation " + i + ": the image prompt changed nothing");
        }
    }

    @Test
    void thePublishedLayoutLoadsTheSameAdapter() {
        GenerateRequest plain = small(3).addImagePrompts(prompt(1, 1.0)).setIpAdapter("plain").build();
        assertArrayEquals(MeshIT.pixels(generate(plain).getPng().toByteArray()),
                MeshIT.pixels(generate(plain.toBuilder().setIpAdapter("plain-published").build()).getPng().toByteArray()));
    }

    @Test
    void badImagePromptsAreRefusedNamingTheField() {
        Map<GenerateRequest, Status.Code> cases = new LinkedHashMap<>();
        ImagePrompt ok = prompt(1, 1.0);
        cases.put(small(0).addImagePrompts(ok).setIpAdapter("no-such-adapter").build(), Status.Code.NOT_FOUND);
        cases.put(small(0).addImagePrompts(ok).setIpAdapter("../ip-adapters/plain").build(), Status.Code.INVALID_ARGUMENT);
        cases.put(small(0).addImagePrompts(ok).setIpAdapter("not-an-ip-adapter").build(), Status.Code.FAILED_PRECONDITION);
        for (var c : cases.entrySet()) {
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> generate(c.getKey()));
            assertEquals(c.getValue(), e.getStatus().getCode(), e.getStatus().toString());
            String message = e.getStatus().getDescription();
            assertTrue(message.contains("ip_adapter") && !message.contains("/tools/target"), message);
        }
        StatusRuntimeException undecodable = assertThrows(StatusRuntimeException.class, () -> generate(small(0)
                .addImagePrompts(ImagePrompt.newBuilder().setImage(ByteString.copyFromUtf8("not an image"))).setIpAdapter("plain").build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, undecodable.getStatus().getCode());
        assertTrue(undecodable.getStatus().getDescription().startsWith("image_prompts[0].image: "), undecodable.getStatus().getDescription());
    }
}
