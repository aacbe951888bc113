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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import refiners.proto.common.v1.LoraWeight;
import refiners.proto.orchestrator.v1.GenerateRequest;
import refiners.proto.orchestrator.v1.OrchestratorGrpc;
import refiners.proto.orchestrator.v1.Result;

/**
 * Reference-only control end to end, on the shared mesh: generations with a reference image (one with a LoRA and
 * another style_cfg; one with an image prompt, a LoRA and a third style_cfg), sent together with a plain one, get the
 * pixels they get in this JVM (the noised reference travels with each step; their steps run alone in unet-svc); the
 * reference changes the image; bad reference fields are refused naming the field. Two reference UNets in all (an
 * adapter set makes a UNet of its own, a full-size session in unet-svc and in this JVM; style_cfg is fed per call):
 * the LoRA and the second style_cfg ride on the first one.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Order(SharedMesh.ORDER)
class ReferenceOnlyIT {
    ManagedChannel channel;
    final ExecutorService callers = Executors.newCachedThreadPool();

    @BeforeAll
    void start() throws Exception {
        channel = ManagedChannelBuilder.forTarget(SharedMesh.get().mesh.address(MeshService.ORCHESTRATOR)).usePlaintext().maxInboundMessageSize(64 << 20).build();
    }

    @AfterAll
    void stop() {
        callers.shutdownNow();
        if (channel != null) channel.shutdownNow();
    }

    static GenerateRequest.Builder small(int i) {
        return GenerateRequest.newBuilder().setPrompt("a chicken, take " + i).setSteps(3).setGuidanceScale(7.5f).setSolver("ddim")
                .setWidth(64).setHeight(64).setSeed(500 + i);
    }

    static ByteString reference(int seed) {
        return ImagePromptIT.picture(seed, 64, 64);
    }

    Result generate(GenerateRequest r) {
        return BatchingIT.result(OrchestratorGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.MINUTES).generate(r));
    }

    @Test
    void referenceGenerationsGiveTheInProcessPixels() throws Exception {
        List<GenerateRequest> requests = List.of(
                small(0).setReferenceImage(reference(1)).build(),
                small(1).setReferenceImage(reference(2)).setReferenceStyleCfg(0.3).addLoras(LoraWeight.newBuilder().setName("style").setScale(0.9f)).build(),
                small(2).build(),
                // both image conditionings and a LoRA: the IP-Adapter and the LoRA also act in the reference's guide pass
                small(3).setReferenceImage(reference(4)).setReferenceStyleCfg(0.8).addImagePrompts(ImagePromptIT.prompt(2, 0.9)).setIpAdapter("plain")
                        .addLoras(LoraWeight.newBuilder().setName("style").setScale(0.7f)).build());
        List<CompletableFuture<Result>> results = new ArrayList<>();
        for (GenerateRequest r : requests) results.add(CompletableFuture.supplyAsync(() -> generate(r), callers));
        List<int[]> local = new ArrayList<>();
        for (int i = 0; i < requests.size(); i++) {
            local.add(InProcessPeer.pixels(requests.get(i)));
            assertArrayEquals(local.get(i), MeshIT.pixels(results.get(i).get(10, TimeUnit.MINUTES).getPng().toByteArray()), "generation " + i + ": mesh and in-process pixels differ");
        }
        int[] referenced = local.get(0);
        assertFalse(Arrays.equals(referenced, InProcessPeer.pixels(requests.get(0).toBuilder().clearReferenceImage().build())), "the reference changed nothing");
        assertFalse(Arrays.equals(referenced, InProcessPeer.pixels(requests.get(0).toBuilder().setReferenceImage(reference(3)).build())),
                "another reference changed nothing");
    }

    @Test
    void badReferenceFieldsAreRefusedNamingTheField() {
        Map<GenerateRequest, String> cases = new LinkedHashMap<>();
        cases.put(small(0).setReferenceImage(ByteString.copyFromUtf8("not an image")).build(), "reference_image: ");
        cases.put(small(0).setReferenceImage(ImagePromptIT.picture(1, 72, 64)).build(), "reference_image: ");
        cases.put(small(0).setReferenceImage(reference(1)).setGuidanceScale(1).build(), "reference_image: ");
        cases.put(small(0).setReferenceStyleCfg(0.5).build(), "reference_image: ");
        cases.put(small(0).setReferenceImage(reference(1)).setReferenceStyleCfg(2).build(), "reference_style_cfg: ");
        for (var c : cases.entrySet()) {
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> generate(c.getKey()));
            assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), e.getStatus().toString());
            assertTrue(e.getStatus().getDescription().startsWith(c.getValue()), e.getStatus().getDescription());
        }
    }
}
