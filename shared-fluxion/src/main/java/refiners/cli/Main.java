package refiners.cli;

import java.util.Arrays;

/** Command-line entry point of shared-fluxion: generate (in process), convert (weights), train (LoRA), benchmarks. */
public final class Main {
    private Main() {}

    public static void main(String[] args) throws Exception {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("help")) {
            usage();
            return;
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        try {
            int code = switch (args[0]) {
                case "generate" -> GenerateCommand.run(rest);
                case "convert" -> ConvertCommand.run(rest);
                case "train" -> TrainCommand.run(rest);
                case "bench-unet" -> {
                    refiners.bench.UNetBench.main(rest);
                    yield 0;
                }
                case "bench-lora" -> {
                    refiners.bench.LoraBench.main(rest);
                    yield 0;
                }
                case "bench-train" -> {
                    refiners.bench.TrainBench.main(rest);
                    yield 0;
                }
                case "bench-zero-copy" -> {
                    refiners.bench.ZeroCopyBench.main(rest);
                    yield 0;
                }
                default -> {
                    System.err.println("unknown command " + args[0]);
                    usage();
                    yield 2;
                }
            };
            System.exit(code);
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.exit(2);
        }
    }

    private static void usage() {
        System.out.println("usage: refiners COMMAND [options]\n\n" + GenerateCommand.USAGE + "\n\n" + ConvertCommand.USAGE + "\n\n" + TrainCommand.USAGE
                + "\n\nbench-unet [threads=2] [runs=5]\n  UNet step time, session creation and memory for several runtime settings."
                + "\n\nbench-lora [threads=2] [runs=5]\n  UNet step with LoRAs: base, fused, run-time slots with 0/1/3 LoRAs, set switching."
                + "\n\nbench-train [threads=2] [runs=3]\n  UNet LoRA train step over forward time at batch 1 (8x8, 32x32 latents) and batch 2, peak RSS over weights."
                + "\n\nbench-zero-copy [workdir]\n  RSS of a session over a 1 GiB mapped weight file, prepacking off and on.");
    }
}
