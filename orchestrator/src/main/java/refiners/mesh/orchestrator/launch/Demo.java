package refiners.mesh.orchestrator.launch;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import refiners.fluxion.DetInit;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1Models;
import refiners.mesh.orchestrator.cli.GenerateCli;

/**
 * The README's first command (run-mesh.sh): the four services as separate processes on loopback, an image generated
 * through the CLI client, the services stopped. Arguments go to the CLI; defaults keep it to minutes on 2 CPU cores.
 * Without REFINERS_WEIGHTS the services use full-size detinit weights: the image is noise, the timings are real.
 */
public final class Demo {
    private Demo() {}

    public static void main(String[] args) throws Exception {
        if (List.of(args).contains("--help") || List.of(args).contains("-h")) {
            System.out.println("run-mesh.sh [generate options]: starts the four services, generates one image, stops them.");
            System.exit(GenerateCli.run(new String[] {"--help"}, System.out, System.err));
        }
        Path root = Path.of(System.getProperty("mesh.root", ".")).toAbsolutePath().normalize();
        String weights = System.getenv().getOrDefault("REFINERS_WEIGHTS", "");
        System.out.println(weights.isBlank()
                ? "No REFINERS_WEIGHTS given: the services use FULL-SIZE DETINIT weights (random, deterministic): the image will be noise; timings are real."
                : "Weights: " + weights);
        if (weights.isBlank()) {
            System.out.println("preparing the detinit weight files (written once under " + DetInit.cacheDirectory() + ", then mapped by every service) ...");
            SD1Models.detinit();
        }
        Map<MeshService, Integer> ports = Map.of(MeshService.ORCHESTRATOR, 8080, MeshService.TEXT_ENCODER, 8081,
                MeshService.UNET, 8082, MeshService.VAE, 8083);
        if (Boolean.getBoolean("mesh.freePorts")) ports = MeshProcesses.freePorts();
        int code;
        try (MeshProcesses mesh = new MeshProcesses(root, root.resolve("target/mesh-logs"), ports)) {
            System.out.println("starting text-encoder-svc, unet-svc, vae-svc and orchestrator (logs in target/mesh-logs/) ...");
            long t0 = System.nanoTime();
            mesh.start(Duration.ofMinutes(15));
            System.out.printf("all four ready in %.1f s%n", (System.nanoTime() - t0) / 1e9);
            List<String> cli = new ArrayList<>(List.of("--address", mesh.address(MeshService.ORCHESTRATOR),
                    "--prompt", "a lighthouse on a cliff at sunset, oil painting", "--steps", "10", "--width", "256", "--height", "256",
                    "--seed", "42", "--out", "image.png"));
            cli.addAll(List.of(args)); // later options win
            code = GenerateCli.run(cli.toArray(String[]::new), System.out, System.err);
            System.out.println("stopping the services");
        }
        System.exit(code);
    }
}
