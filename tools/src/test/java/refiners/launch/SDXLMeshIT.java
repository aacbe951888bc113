package refiners.launch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import refiners.conversion.SDXLLoraLayout;
import refiners.fluxion.runtime.Runner;
import refiners.fluxion.runtime.RuntimeConfig;
import refiners.fluxion.safetensors.SafeTensorsWriter;
import refiners.fluxion.utils.Images;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.ProgressListener;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1Weights;
import refiners.foundationals.latent_diffusion.stable_diffusion_xl.SDXLWeights;
import refiners.mesh.GenerateRequests;
import refiners.pipeline.InProcessPipeline;
import refiners.proto.common.v1.LoraWeight;
import refiners.proto.orchestrator.v1.GenerateRequest;
import refiners.proto.orchestrator.v1.ListLorasRequest;
import refiners.proto.orchestrator.v1.ListModelsRequest;
import refiners.proto.orchestrator.v1.Lora;
import refiners.proto.orchestrator.v1.Model;
import refiners.proto.orchestrator.v1.OrchestratorGrpc;
import refiners.proto.orchestrator.v1.Result;

/**
 * SDXL beside SD 1.5 on one mesh of its own (every stage serving both: REFINERS_MODELS=sd15,sdxl, full-size detinit
 * weights, 64² images, 2 steps): an SDXL generation gives the in-process pixels bit for bit, without and with a kohya
 * SDXL LoRA (alone, and beside other generations with and without it); SD 1.5 and SDXL generations running at once
 * each give theirs (a UNet call holding both families would fail: LocalUNet refuses mixed batch keys); the listings
 * name both families and the SDXL LoRA as loaded; bad requests (a LoRA of the other family too) are refused naming
 * the field.
 * The in-process references are computed while the mesh starts (their graph builds and session creations leave a core
 * idle): the weight files are mapped, so both share their pages, and this JVM's anonymous memory peaked at 0.9 GB
 * meanwhile (measured); its SDXL sessions are dropped before the tests run. SD 1.5's references are
 * {@link InProcessPeer}'s (a LoRA-free generation's graphs are the same whatever the LoRA directory), compiled once
 * for every test class. 64², the size of unet-svc's and vae-svc's SDXL warm-up: the mesh compiles no second SDXL
 * session of another size, and a step costs a quarter of 128²'s. Heavy: run it alone, under the heavy lock.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SDXLMeshIT {
    static final Duration READY = Duration.ofMinutes(20);

    MeshProcesses mesh;
    ManagedChannel channel;
    final Map<GenerateRequest, int[]> expected = new HashMap<>();
    final List<GenerateRequest> sdxl = List.of(request("sdxl", "a lighthouse at dusk", 11, 64), request("sdxl", "a red fox", 12, 64));
    final List<GenerateRequest> sd15 = List.of(request("sd15", "a lighthouse at dusk", 21, 64), request("", "a red fox", 22, 64));
    /** The SDXL generations with a kohya SDXL LoRA (UNet and both text encoders) at a scale other than 1. */
    final List<GenerateRequest> sdxlLora = sdxl.stream().map(r -> withLora(r, XL_LORA, 0.7f)).toList();
    static final String XL_LORA = "xl-style";

    static GenerateRequest withLora(GenerateRequest r, String name, float scale) {
        return r.toBuilder().addLoras(LoraWeight.newBuilder().setName(name).setScale(scale)).build();
    }

    /**
     * The LoRA directory of this mesh: SD 1.5's style LoRA (refiners layout) and a detinit SDXL LoRA under kohya's
     * sd-scripts names (SDXLLoraLayout, rank 8); its own, so the shared mesh's listing stays as its tests expect.
     */
    static Path loraDir(Path root) throws Exception {
        Path dir = Files.createDirectories(root.resolve("tools/target/sdxl-mesh/loras"));
        SafeTensorsWriter.write(dir.resolve("style.safetensors"), MeshIT.styleLora());
        SafeTensorsWriter.write(dir.resolve(XL_LORA + ".safetensors"), SDXLLoraLayout.detinit(SDXLLoraLayout.Layout.KOHYA_SGM, 5));
        return dir;
    }

    static GenerateRequest request(String model, String prompt, long seed, int size) {
        return GenerateRequest.newBuilder().setModel(model).setPrompt(prompt).setNegativePrompt("blurry").setSteps(2).setGuidanceScale(5f)
                .setWidth(size).setHeight(size).setSeed(seed).build();
    }

    @BeforeAll
    void meshBesideTheReferences() throws Exception {
        SharedMesh.close(); // a mesh of its own (see SharedMesh for why): both at once would not fit in memory
        Path root = Path.of(System.getProperty("mesh.root", "..")).toAbsolutePath().normalize();
        Path loras = loraDir(root);
        InProcessPeer.load(); // SD 1.5's detinit files, written once before the processes map them
        mesh = new MeshProcesses(root, root.resolve("tools/target/sdxl-mesh/logs"), MeshProcesses.freePorts())
                .env("REFINERS_MODELS", "sd15,sdxl")
                .env("REFINERS_WEIGHTS", SD1Weights.DETINIT)
                .env("REFINERS_SDXL_WEIGHTS", SDXLWeights.DETINIT)
                .env("REFINERS_LORA_DIR", loras.toString());
        CompletableFuture<Void> started;
        try (Runner runner = new Runner(RuntimeConfig.defaults())) {
            // SDXL's detinit files are written (or mapped) here, before the processes map them
            InProcessPipeline xl = InProcessPipeline.sdxl(SDXLWeights.parse(SDXLWeights.DETINIT), Optional.of(loras.toString()), runner);
            started = CompletableFuture.runAsync(() -> {
                try {
                    mesh.start(READY);
                } catch (Exception e) {
                    throw new CompletionException(e);
                }
            });
            for (GenerateRequest r : sdxl) expected.put(r, pixels(xl, r));
            for (GenerateRequest r : sdxlLora) expected.put(r, pixels(xl, r));
        }
        for (GenerateRequest r : sd15) expected.put(r, InProcessPeer.pixels(r));
        started.join();
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
    void anSdxlKohyaLoraGivesTheInProcessPixelsAlongsideLoraFreeGenerations() {
        GenerateRequest first = sdxlLora.get(0);
        assertFalse(Arrays.equals(expected.get(sdxl.get(0)), expected.get(first)), "the LoRA changes no pixel: the test would prove nothing");
        assertArrayEquals(expected.get(first), MeshIT.pixels(generate(first).getPng().toByteArray()), "SDXL with its LoRA: mesh and in-process pixels differ");
        // at once: the two with the LoRA may share UNet calls (its 3x3 convolution keeps the LoRA-free one out of them)
        List<GenerateRequest> all = List.of(sdxlLora.get(0), sdxlLora.get(1), sdxl.get(0));
        List<CompletableFuture<Result>> running = all.stream().map(r -> CompletableFuture.supplyAsync(() -> generate(r))).toList();
        for (int i = 0; i < all.size(); i++)
            assertArrayEquals(expected.get(all.get(i)), MeshIT.pixels(running.get(i).join().getPng().toByteArray()),
                    "seed " + all.get(i).getSeed() + ", " + all.get(i).getLorasCount() + " LoRAs: pixels differ amid the others");
        Lora listed = orchestrator().listLoras(ListLorasRequest.getDefaultInstance()).getLorasList().stream().filter(l -> l.getName().equals(XL_LORA)).findFirst().orElseThrow();
        long unetLayers = SDXLLoraLayout.LAYERS.stream().filter(l -> l.model().equals("unet")).count();
        assertTrue(listed.getLoaded(), listed.toString());
        assertEquals(unetLayers, listed.getUnetLayers(), listed.toString());
        assertEquals(SDXLLoraLayout.LAYERS.size() - unetLayers, listed.getTextEncoderLayers(), listed.toString());
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
        // a LoRA of the other family, each way: the request's mistake, naming the field and the LoRA
        assertRefusedLora("style", withLora(request("sdxl", "x", 1, 64), "style", 1));
        assertRefusedLora(XL_LORA, withLora(request("sd15", "x", 1, 64), XL_LORA, 0.7f));
    }

    void assertRefusedLora(String name, GenerateRequest r) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> generate(r));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), e.getStatus().toString());
        assertTrue(e.getStatus().getDescription().contains("loras[0].name: LoRA '" + name + "' is not for this model"), e.getStatus().getDescription());
    }

    void assertRefused(String field, GenerateRequest r) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> generate(r));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), e.getStatus().toString());
        assertTrue(e.getStatus().getDescription().startsWith(field + ":"), e.getStatus().getDescription());
    }
}
