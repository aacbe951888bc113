package refiners.cli;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import refiners.launch.MeshProcesses;
import refiners.launch.MeshService;

/**
 * run-mesh.sh serve: the four services on this machine until Ctrl-C (which stops them cleanly), with their addresses
 * and ready-to-paste gRPC and REST calls.
 */
final class ServeCommand {
    private ServeCommand() {}

    static int run(String[] args) throws Exception {
        Path root = Path.of(System.getProperty("mesh.root", ".")).toAbsolutePath().normalize();
        MeshProcesses mesh = MeshProcesses.startLocally(root, MeshProcesses.defaultPorts(), System.out, java.util.Map.of());
        String orchestrator = mesh.address(MeshService.ORCHESTRATOR);
        System.out.println("""

                The mesh is up (Ctrl-C stops it):
                  orchestrator      %s   gRPC refiners.orchestrator.v1.Orchestrator + REST POST /v1/images
                  text-encoder-svc  %s   unet-svc %s   vae-svc %s
                  health /q/health/ready, metrics /q/metrics on each; logs in target/mesh-logs/

                Try:
                  grpcurl -plaintext -d '{"prompt": "a red fox in the snow", "steps": 10, "width": 256, "height": 256, "seed": 7}' \\
                      %s refiners.orchestrator.v1.Orchestrator/Generate
                  curl -s %s/v1/images -H 'content-type: application/json' \\
                      -d '{"prompt": "a red fox in the snow", "steps": 10, "width": 256, "height": 256, "seed": 7}' -o fox.png
                  java -jar tools/target/refiners.jar client --address %s --prompt "a red fox in the snow" --steps 10 --out fox.png
                """.formatted(orchestrator, mesh.address(MeshService.TEXT_ENCODER), mesh.address(MeshService.UNET), mesh.address(MeshService.VAE),
                orchestrator, mesh.httpUrl(MeshService.ORCHESTRATOR), orchestrator));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("\nstopping the services ...");
            mesh.close();
            stopped.countDown();
        }, "mesh-serve-stop"));
        stopped.await();
        return 0;
    }
}
