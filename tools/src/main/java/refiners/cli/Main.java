package refiners.cli;

import java.util.Arrays;
import refiners.bench.LoraBench;
import refiners.bench.MeshBench;
import refiners.bench.PeerBench;
import refiners.bench.ThroughputBench;
import refiners.bench.UNetBench;
import refiners.bench.ZeroCopyBench;

/** The refiners command: generate (in process), client (through the mesh), convert, train (LoRA), the local mesh, benchmarks. */
public final class Main {
    private Main() {}

    public static void main(String[] args) throws Exception {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("help")) {
            usage();
            return;
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        try {
            System.exit(switch (args[0]) {
                case "generate" -> GenerateCommand.run(rest);
                case "client" -> ClientCommand.run(rest, System.out, System.err);
                case "convert" -> ConvertCommand.run(rest);
                case "cache" -> CacheCommand.run(rest, System.out);
                case "train" -> TrainCommand.run(rest);
                case "fuzz" -> FuzzCommand.run(rest);
                case "demo" -> DemoCommand.run(rest);
                case "serve" -> ServeCommand.run(rest);
                case "bench-mesh" -> MeshBench.run(rest);
                case "bench-peer" -> PeerBench.run(rest);
                case "soak" -> refiners.bench.Soak.run(rest);
                case "bench-throughput" -> ThroughputBench.run(rest);
                case "bench-batch-cost" -> refiners.bench.BatchCostBench.run(rest);
                case "bench-family-step" -> refiners.bench.FamilyStepBench.run(rest);
                case "bench-sdxl-f16" -> refiners.bench.SDXLHalfMemoryBench.run(rest);
                case "bench-startup" -> refiners.bench.StartupBench.run(rest);
                case "bench-stage-batch" -> refiners.bench.StageBatchBench.run(rest);
                case "bench-image-encoder" -> refiners.bench.ImageEncoderBench.run(rest);
                case "bench-int8-ops" -> refiners.bench.Int8OpsBench.run(rest);
                case "bench-int8-image" -> refiners.bench.Int8ImageBench.run(rest);
                case "bench-unet" -> {
                    if (Arrays.stream(rest).anyMatch(a -> a.startsWith("--"))) yield PeerBench.run(rest); // --peer and co: the side-by-side bench
                    UNetBench.main(rest);
                    yield 0;
                }
                case "bench-lora" -> {
                    LoraBench.main(rest);
                    yield 0;
                }
                case "bench-train" -> {
                    refiners.bench.TrainBench.main(rest);
                    yield 0;
                }
                case "bench-zero-copy" -> {
                    ZeroCopyBench.main(rest);
                    yield 0;
                }
                default -> {
                    System.err.println("unknown command " + args[0]);
                    usage();
                    yield 2;
                }
            });
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.exit(2);
        }
    }

    private static void usage() {
        System.out.println("usage: java -jar tools/target/refiners.jar COMMAND [options]\n\n" + GenerateCommand.USAGE + "\n\n" + ClientCommand.USAGE
                + "\n\n" + ConvertCommand.USAGE + "\n\n" + CacheCommand.USAGE + "\n\n" + TrainCommand.USAGE + "\n\n" + FuzzCommand.USAGE
                + "\n\ndemo [client options]\n  The four services on loopback, one image through them, the services stopped (./run-mesh.sh)."
                + "\n\nserve\n  The four services on loopback until Ctrl-C (./run-mesh.sh serve)."
                + "\n\nbench-mesh [--requests 5] [--steps 5] [--size 64] [--solver dpm]\n  The same requests through the mesh and in process, alternating: times and their ratio."
                + "\nbench-mesh --fewsteps [--size 512] [--rounds 1] [--dpm-steps 30] [--lcm-steps 4]\n  DPM 30 steps guidance 7.5 against LCM 4 steps (guidance 1 with an LCM-LoRA; guidance 1.5), both sides: time to an image, ratios, (b)'s stages."
                + "\n\n" + PeerBench.usage()
                + "\n\n" + ThroughputBench.USAGE + "\n\n" + refiners.bench.BatchCostBench.USAGE + "\n\n" + refiners.bench.FamilyStepBench.USAGE + "\n\n" + refiners.bench.SDXLHalfMemoryBench.USAGE
                + "\n\n" + refiners.bench.StartupBench.USAGE
                + "\n\n" + refiners.bench.StageBatchBench.USAGE
                + "\n\n" + refiners.bench.ImageEncoderBench.USAGE + "\n\n" + refiners.bench.Int8OpsBench.USAGE + "\n\n" + refiners.bench.Int8ImageBench.USAGE
                + "\n\nbench-unet [threads=2] [runs=5]\n  UNet step time, session creation and memory for several runtime settings, each in its own JVM"
                + " (bench-unet --peer ... is bench-peer)."
                + "\n\nsoak [--generations 300] [--concurrency 4] [--size 64] [--steps 3] [--warmup N] [--every 5] [--csv target/soak.csv]\n  The mesh on loopback driven by N generations; each service's RSS, direct memory, threads and open files sampled; fails on growth after the warm-up."
                + "\n\nbench-lora [threads=2] [runs=5]\n  UNet step with LoRAs: base, fused, run-time slots with 0/1/3 LoRAs, set switching."
                + "\n\nbench-train [threads=2] [runs=3]\n  UNet LoRA train step over forward time at batch 1 (8x8, 32x32 latents) and batch 2, peak RSS over weights."
                + "\n\nbench-zero-copy [workdir]\n  RSS of a session over a 1 GiB mapped weight file, prepacking off and on.");
    }
}
