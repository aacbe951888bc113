package refiners.launch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import refiners.fluxion.runtime.Runner;
import refiners.fluxion.runtime.RuntimeConfig;
import refiners.fluxion.utils.Images;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.ProgressListener;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1Weights;
import refiners.foundationals.latent_diffusion.stable_diffusion_xl.SDXLWeights;
import refiners.mesh.GenerateRequests;
import refiners.pipeline.InProcessPipeline;
import refiners.proto.common.v1.LoraWeight;
import refiners.proto.orchestrator.v1.GenerateRequest;
import refiners.proto.orchestrator.v1.ListModelsRequest;
import refiners.proto.orchestrator.v1.Model;
import refiners.proto.orchestrator.v1.OrchestratorGrpc;
import refiners.proto.orchestrator.v1.Result;

/**
 * SDXL beside SD 1.5 on one mesh of its own (every stage serving both: REFINERS_MODELS=sd15,sdxl, full-size detinit
 * weights, small images, 2 steps): an SDXL generation gives the in-process pixels bit for bit, SD 1.5 and SDXL
 * generations running at once each give theirs (a UNet call holding both families would fail: LocalUNet refuses mixed
 * batch keys), the listing names both, bad requests are refused naming the field. The in-process references are
 * computed before the mesh starts and their sessions dropped, so the machine holds one copy of SDXL's sessions at a
 * time (the weight files are mapped: shared). Heavy: run it alone, under the heavy lock.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SDXLMeshIT {
    static final Duration READY = Duration.ofMinutes(20);

    MeshProcesses mesh;
    ManagedChannel channel;
    final Map<GenerateRequest, int[]> expected = new HashMap<>();
    final List<GenerateRequest> sdxl = List.of(request("sdxl", "a lighthouse at dusk", 11, 128), request("sdxl", "a red fox", 12, 128));
    final List<GenerateRequest> sd15 = List.of(request("sd15", "a lighthouse at dusk", 21, 64), request("", "a red fox", 22, 64));

    static GenerateRequest request(String model, String prompt, long seed, int size) {
        return GenerateRequest.newBuilder().setModel(model).setPrompt(prompt).setNegativePrompt("blurry").setSteps(2).setGuidanceScale(5f)
                .setWidth(size).setHeight(size).setSeed(seed).build();
    }

    @BeforeAll
    void referencesThenMesh() throws Exception {
        SharedMesh.close(); // a mesh of its own (see SharedMesh for why): both at once would not fit in memory
        Path loras = InProcessPeer.loraDir();
        try (Runner runner = new Runner(RuntimeConfig.defaults())) {
            InProcessPipeline xl = InProcessPipeline.sdxl(SDXLWeights.parse(SDXLWeights.DETINIT), Optional.of(loras.toString()), runner);
            for (GenerateRequest r : sdxl) expected.put(r, pixels(xl, r));
            InProcessPipeline sd = new InProcessPipeline(SD1Weights.detinit(), Optional.of(loras.toString()), Optional.empty(), Optional.empty(), runner);
            for (GenerateRequest r : sd15) expected.put(r, pixels(sd, r));
        }
        System.gc();
        Path root = Path.of(System.getProperty("mesh.root", "..")).toAbsolutePath().normalize();
        mesh = new MeshProcesses(root, root.resolve("tools/target/sdxl-mesh/logs"), MeshProcesses.freePorts())
                .env("REFINERS_MODELS", "sd15,sdxl")
                .env("REFINERS_WEIGHTS", SD1Weights.DETINIT)
                .env("REFINERS_SDXL_WEIGHTS", SDXLWeights.DETINIT)
                .env("REFINERS_LORA_DIR", loras.toString());
        mesh.start(READY);
        channel = ManagedChannelBuilder.forTarget(mesh.address(MeshService.ORCHESTRATOR)).usePlaintext().maxInboundMessageSize(64 << 20).build();
    }

    static int[] pixels(InProcessPipeline pipeline, GenerateRequest r) {
        return MeshIT.pixels(Images.toPng(pipeline.generate(GenerateRequests.toGenerationRequest(r, Long.MAX_VALUE), ProgressListener.NONE).image()));
    }

    @AfterAll
    void stop() {
        if (channel != null) channel.shutdownNow();
        if (mesh != null) mesh.close();
    }

    OrchestratorGrpc.OrchestratorBlockingStub orchestrator() {
        return OrchestratorGrpc.newBlockingStub(channel).withDeadlineAfter(10, java.util.concurrent.TimeUnit.MINUTES);
    }

    Result generate(GenerateRequest r) {
        List<Result> results = new ArrayList<>();
        orchestrator().generate(r).forEachRemaining(e -> {
            if (e.hasResult()) results.add(e.getResult());
        });
        return results.get(0);
    }

    @Test
    void anSdxlGenerationIsTheInProcessOneAndMixedLoadsKeepTheirPixels() {
        GenerateRequest first = sdxl.get(0);
        assertArrayEquals(expected.get(first), MeshIT.pixels(generate(first).getPng().toByteArray()), "SDXL: mesh and in-process pixels differ");
        List<GenerateRequest> all = new ArrayList<>(sdxl);
        all.addAll(sd15);
        List<CompletableFuture<Result>> running = all.stream().map(r -> CompletableFuture.supplyAsync(() -> generate(r))).toList();
        for (int i = 0; i < all.size(); i++)
            assertArrayEquals(expected.get(all.get(i)), MeshIT.pixels(running.get(i).join().getPng().toByteArray()),
                    all.get(i).getModel() + " seed " + all.get(i).getSeed() + ": pixels differ amid the other family's generations");
    }

    @Test
    void theListingNamesBothFamiliesTheFirstTheDefault() {
        List<Model> models = orchestrator().listModels(ListModelsRequest.getDefaultInstance()).getModelsList();
        assertEquals(List.of("sd15", "sdxl"), models.stream().map(Model::getId).toList());
        assertEquals(List.of("detinit", "detinit"), models.stream().map(Model::getName).toList());
    }

    @Test
    void badRequestsAreRefusedNamingTheField() {
        assertRefused("model", request("sd3", "x", 1, 64));
        assertRefused("mask", request("sdxl", "x", 1, 64).toBuilder().setInitImage(MeshIT.INIT).setMask(MeshIT.MASK).build());
        StatusRuntimeException lora = assertThrows(StatusRuntimeException.class,
                () -> generate(request("sdxl", "x", 1, 64).toBuilder().addLoras(LoraWeight.newBuilder().setName("style")).build()));
        assertTrue(lora.getStatus().getDescription().contains("style"), lora.getStatus().toString());
    }

    void assertRefused(String field, GenerateRequest r) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> generate(r));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), e.getStatus().toString());
        assertTrue(e.getStatus().getDescription().startsWith(field + ":"), e.getStatus().getDescription());
    }
}
