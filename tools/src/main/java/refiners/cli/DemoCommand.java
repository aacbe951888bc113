package refiners.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import refiners.bench.Rss;
import refiners.launch.MeshProcesses;
import refiners.launch.MeshService;

/**
 * The README's first command (run-mesh.sh): the four services as separate processes on loopback, an image generated
 * through the mesh client, the services stopped. Arguments go to the client; defaults keep it to minutes on 2 CPU
 * cores. Without REFINERS_WEIGHTS the services use full-size detinit weights: the image is noise, the timings are real
 * (and a --mask or --controlnet gets detinit stand-ins as well).
 */
final class DemoCommand {
    private DemoCommand() {}

    static int run(String[] args) throws Exception {
        if (List.of(args).contains("--help") || List.of(args).contains("-h")) {
            System.out.println("run-mesh.sh [generate options]: starts the four services, generates one image, stops them.\n" + ClientCommand.USAGE);
            return 0;
        }
        Path root = Path.of(System.getProperty("mesh.root", ".")).toAbsolutePath().normalize();
        var ports = Boolean.getBoolean("mesh.freePorts") ? MeshProcesses.freePorts() : MeshProcesses.defaultPorts();
        var standIns = MeshProcesses.detinitStandIns(root, given(args, "mask"), GenerationOptions.controlnetNames(args), System.out);
        try (MeshProcesses mesh = MeshProcesses.startLocally(root, ports, System.out, standIns)) {
            List<String> client = new ArrayList<>(List.of("--address", mesh.address(MeshService.ORCHESTRATOR),
                    "--prompt", "a lighthouse on a cliff at sunset, oil painting", "--steps", "10", "--seed", "42", "--out", "image.png"));
            if (!given(args, "init-image")) client.addAll(List.of("--width", "256", "--height", "256")); // with an init image: its size
            client.addAll(List.of(args)); // later options win
            int code = ClientCommand.run(client.toArray(String[]::new), System.out, System.err);
            System.out.println("resident memory after the request:");
            for (MeshService s : MeshService.values()) System.out.printf("  %-17s %s%n", s.module, Rss.of(mesh.pid(s)).summary());
            System.out.println("stopping the services");
            return code;
        }
    }

    /** Whether the command line gives this option ("--name value" or "--name=value"). */
    private static boolean given(String[] args, String option) {
        return Arrays.stream(args).anyMatch(a -> a.equals("--" + option) || a.startsWith("--" + option + "="));
    }
}
