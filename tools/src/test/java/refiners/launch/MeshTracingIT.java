package refiners.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import refiners.launch.OtlpReceiver.Span;
import refiners.proto.orchestrator.v1.GenerateRequest;
import refiners.proto.orchestrator.v1.OrchestratorGrpc;

/**
 * One generation, followed across the four processes: the services export their spans over OTLP to a receiver in
 * this test, and the span tree of the generation is checked — the orchestrator's request and its Generate, its "generation" span, the
 * text encoder, UNet and VAE calls with the stages' server spans under them, one "unet step" span per step in
 * unet-svc. With JSON logs on, every log line of the generation in every service carries its id. On the shared mesh
 * (SharedMesh), idle while this test runs: the generation's log lines are those written during its call.
 */
@Order(SharedMesh.ORDER)
class MeshTracingIT {
    static final int STEPS = 3;

    @Test
    void oneGenerationIsOneTraceAcrossTheMeshAndItsIdIsOnEveryLogLine() throws Exception {
        SharedMesh shared = SharedMesh.get();
        MeshProcesses mesh = shared.mesh;
        OtlpReceiver receiver = shared.traces;
        Map<Path, Integer> linesBefore = new HashMap<>();
        for (MeshService s : MeshService.values()) for (Path log : logs(mesh, s)) linesBefore.put(log, Files.readAllLines(log).size());
        ManagedChannel channel = ManagedChannelBuilder.forTarget(mesh.address(MeshService.ORCHESTRATOR)).usePlaintext().maxInboundMessageSize(64 << 20).build();
        try {
            OrchestratorGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.MINUTES)
                    .generate(GenerateRequest.newBuilder().setPrompt("a lighthouse").setSteps(STEPS).setWidth(64).setHeight(64).setSeed(3).build())
                    .forEachRemaining(e -> {});
        } finally {
            channel.shutdownNow();
        }
        // the generation's log lines in every service (written during the call), and its id from the orchestrator's
        ObjectMapper json = new ObjectMapper();
        Map<MeshService, List<JsonNode>> records = new EnumMap<>(MeshService.class);
        for (MeshService s : MeshService.values()) {
            List<JsonNode> r = new ArrayList<>();
            for (Path log : logs(mesh, s)) {
                List<String> lines = Files.readAllLines(log);
                for (String line : lines.subList(linesBefore.get(log), lines.size())) if (line.startsWith("{")) r.add(json.readTree(line));
            }
            records.put(s, r);
        }
        String id = records.get(MeshService.ORCHESTRATOR).stream().filter(r -> r.path("message").asText().startsWith("generation"))
                .map(r -> r.path("mdc").path("generation").asText()).findFirst().orElseThrow(() -> new AssertionError("the orchestrator logged no generation"));

        // the generation's trace, once every service has exported its part
        List<Span> trace = List.of();
        for (long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60); System.nanoTime() < until; Thread.sleep(200)) {
            List<Span> all = receiver.spans();
            Span generation = all.stream().filter(s -> s.name().equals("generation") && id.equals(s.attributes().get("refiners.generation.id")))
                    .findFirst().orElse(null);
            if (generation == null) continue;
            trace = all.stream().filter(s -> s.traceId().equals(generation.traceId())).toList();
            if (trace.stream().filter(s -> s.name().equals("unet step")).count() == STEPS
                    && trace.stream().map(Span::service).distinct().count() == 4 && trace.stream().anyMatch(s -> s.service().equals("vae-svc"))) break;
        }
        String tree = trace.stream().map(s -> s.service() + " " + s.name() + " " + s.spanId() + " <- " + s.parentId()).collect(Collectors.joining("\n"));

        // the root: the orchestrator's HTTP request (gRPC is served on the HTTP port), then its gRPC Generate
        Span request = one(trace, s -> s.parentId().isEmpty(), tree);
        assertEquals("orchestrator", request.service(), tree);
        Span generate = one(trace, s -> s.service().equals("orchestrator") && s.name().endsWith("Orchestrator/Generate"), tree);
        assertEquals(request.spanId(), generate.parentId(), "Generate under the request:\n" + tree);
        Span generation = one(trace, s -> s.name().equals("generation"), tree);
        assertEquals(generate.spanId(), generation.parentId(), tree);
        for (var stage : Map.of("TextEncoder/Encode", "text-encoder-svc", "UNet/Denoise", "unet-svc", "Autoencoder/Decode", "vae-svc").entrySet()) {
            Span client = one(trace, s -> s.service().equals("orchestrator") && s.name().endsWith(stage.getKey()), tree);
            assertEquals(generation.spanId(), client.parentId(), stage.getKey() + " is called within the generation:\n" + tree);
            Span server = one(trace, s -> s.service().equals(stage.getValue()) && s.name().endsWith(stage.getKey()), tree);
            assertEquals(client.spanId(), server.parentId(), stage.getValue() + " continues the orchestrator's call:\n" + tree);
        }
        Span denoise = one(trace, s -> s.service().equals("unet-svc") && s.name().endsWith("UNet/Denoise"), tree);
        List<Span> steps = trace.stream().filter(s -> s.name().equals("unet step")).toList();
        assertEquals(STEPS, steps.size(), tree);
        for (int i = 0; i < STEPS; i++) {
            int step = i;
            Span s = one(steps, x -> String.valueOf(step).equals(x.attributes().get("refiners.step")), tree);
            assertEquals("unet-svc", s.service());
            assertEquals(denoise.spanId(), s.parentId(), "step " + step + " under the stream:\n" + tree);
        }

        // the generation id on every log line of the generation, in every service
        Map<MeshService, String> lines = Map.of(MeshService.ORCHESTRATOR, "generation", MeshService.TEXT_ENCODER, "encoded",
                MeshService.UNET, "denoise stream", MeshService.VAE, "decoded");
        for (var e : lines.entrySet()) {
            List<JsonNode> written = records.get(e.getKey());
            assertFalse(written.isEmpty(), e.getKey().module + " logs JSON");
            String gen = id;
            List<JsonNode> ofGeneration = written.stream().filter(r -> r.path("message").asText().startsWith(e.getValue())).toList();
            assertFalse(ofGeneration.isEmpty(), e.getKey().module + " logged the generation");
            for (JsonNode r : ofGeneration) assertEquals(gen, r.path("mdc").path("generation").asText(), e.getKey().module + ": " + r);
            // and every line that carries the id is this generation's: none from start-up
            assertTrue(written.stream().filter(r -> gen.equals(r.path("mdc").path("generation").asText())).count() >= ofGeneration.size());
        }
    }

    /** The log files of a service: the shared mesh runs two unet-svc replicas. */
    static List<Path> logs(MeshProcesses mesh, MeshService s) {
        return s == MeshService.UNET ? List.of(mesh.log(s), mesh.log(s).resolveSibling(s.module + "-2.log")) : List.of(mesh.log(s));
    }

    static Span one(List<Span> spans, Predicate<Span> which, String tree) {
        List<Span> found = spans.stream().filter(which).toList();
        assertEquals(1, found.size(), "expected one such span in:\n" + tree);
        return found.get(0);
    }
}
