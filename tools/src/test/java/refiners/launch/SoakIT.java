package refiners.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import refiners.bench.Soak;
import refiners.proto.orchestrator.v1.GenerateRequest;

/**
 * The short soak of CI, on the shared mesh (SharedMesh): 32 small generations, 4 at a time, each service sampled every 2 s; after 12 warm-up
 * generations nothing may grow past {@link Soak.Bounds#DEFAULT} (RSS: 96 MiB or 10 %, direct memory 32 MiB,
 * 8 threads, 16 open files). The long run is {@code refiners.jar soak}.
 */
@Order(SharedMesh.ORDER)
class SoakIT {
    @Test
    void smallGenerationsAtConcurrencyFourLeakNothingAfterTheWarmUp() throws Exception {
        Path root = Path.of(System.getProperty("mesh.root", "..")).toAbsolutePath().normalize();
        Path work = Files.createDirectories(root.resolve("tools/target/soak-it"));
        MeshProcesses mesh = SharedMesh.get().mesh;
        GenerateRequest template = GenerateRequest.newBuilder().setPrompt("a lighthouse").setSteps(2).setWidth(64).setHeight(64).setSeed(100).build();
        Soak.Report report = Soak.drive(mesh, template, 32, 4, 12, Duration.ofSeconds(2), System.out);
        Files.writeString(work.resolve("soak.csv"), report.csv());
        System.out.print(report.table());
        assertEquals(0, report.failures(), "failed generations");
        assertTrue(report.samples().size() >= 8, "samples taken: " + report.samples().size());
        assertTrue(report.growthPast(Soak.Bounds.DEFAULT).isEmpty(), "grew past the bounds: " + report.growthPast(Soak.Bounds.DEFAULT) + "\n" + report.table());
    }
}
