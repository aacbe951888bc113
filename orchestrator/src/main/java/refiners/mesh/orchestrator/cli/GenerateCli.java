package refiners.mesh.orchestrator.cli;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import refiners.proto.common.v1.LoraWeight;
import refiners.proto.orchestrator.v1.GenerateEvent;
import refiners.proto.orchestrator.v1.GenerateRequest;
import refiners.proto.orchestrator.v1.OrchestratorGrpc;
import refiners.proto.orchestrator.v1.Result;

/**
 * Command-line client of the orchestrator's Generate: a progress bar while the steps stream in, then the PNG written
 * and the per-stage timings printed. Unset options take the server's defaults.
 */
public final class GenerateCli {
    static final String USAGE = """
            usage: generate [--address HOST:PORT] [--prompt TEXT] [--negative-prompt TEXT] [--steps N] [--guidance G]
                            [--solver dpm|ddim|euler] [--width W] [--height H] [--seed S] [--lora NAME[=SCALE]]...
                            [--deadline SECONDS] [--out FILE]
            defaults: address localhost:8080, out image.png; the rest as the orchestrator defines them""";

    private GenerateCli() {}

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Exit code: 0 done, 1 the call failed, 2 bad usage. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        Options o;
        try {
            o = Options.parse(args);
        } catch (IllegalArgumentException e) {
            err.println(e.getMessage());
            err.println(USAGE);
            return 2;
        }
        if (o.help) {
            out.println(USAGE);
            return 0;
        }
        ManagedChannel channel = ManagedChannelBuilder.forTarget(o.address).usePlaintext().maxInboundMessageSize(64 << 20).build();
        try {
            var stub = OrchestratorGrpc.newBlockingStub(channel).withDeadlineAfter(o.deadlineSeconds, TimeUnit.SECONDS);
            Iterator<GenerateEvent> events = stub.generate(o.request.build());
            Result result = null;
            ProgressBar bar = new ProgressBar(out);
            while (events.hasNext()) {
                GenerateEvent e = events.next();
                if (e.hasProgress()) bar.show(e.getProgress().getStep(), e.getProgress().getTotalSteps(), e.getProgress().getElapsedSeconds());
                else if (e.hasResult()) result = e.getResult();
            }
            bar.done();
            if (result == null) {
                err.println("error: the stream ended without an image");
                return 1;
            }
            Files.write(o.out, result.getPng().toByteArray());
            var t = result.getTimings();
            out.printf(Locale.ROOT, "wrote %s (%dx%d, seed %d)%n", o.out, result.getWidth(), result.getHeight(), result.getSeed());
            out.printf(Locale.ROOT, "timings: text-encoder %.3f s, unet %.3f s, solver %.3f s, vae %.3f s, total %.3f s%n",
                    t.getTextEncoderSeconds(), t.getUnetSeconds(), t.getSolverSeconds(), t.getVaeSeconds(), t.getTotalSeconds());
            return 0;
        } catch (StatusRuntimeException e) {
            out.println();
            err.println("error: " + e.getStatus().getCode() + ": " + e.getStatus().getDescription());
            return 1;
        } catch (IOException e) {
            err.println("error: cannot write " + o.out + ": " + e.getMessage());
            return 1;
        } finally {
            channel.shutdownNow();
        }
    }

    /** The parsed command line. */
    static final class Options {
        String address = "localhost:8080";
        Path out = Path.of("image.png");
        long deadlineSeconds = 3600;
        boolean help;
        final GenerateRequest.Builder request = GenerateRequest.newBuilder();

        static Options parse(String[] args) {
            Options o = new Options();
            List<String> rest = new ArrayList<>(List.of(args));
            while (!rest.isEmpty()) {
                String flag = rest.remove(0);
                if (flag.equals("--help") || flag.equals("-h")) {
                    o.help = true;
                    continue;
                }
                if (rest.isEmpty()) throw new IllegalArgumentException("missing value after " + flag);
                String v = rest.remove(0);
                try {
                    switch (flag) {
                        case "--address" -> o.address = v;
                        case "--out" -> o.out = Path.of(v);
                        case "--deadline" -> o.deadlineSeconds = Long.parseLong(v);
                        case "--prompt" -> o.request.setPrompt(v);
                        case "--negative-prompt" -> o.request.setNegativePrompt(v);
                        case "--steps" -> o.request.setSteps(Integer.parseInt(v));
                        case "--guidance" -> o.request.setGuidanceScale(Float.parseFloat(v));
                        case "--solver" -> o.request.setSolver(v);
                        case "--width" -> o.request.setWidth(Integer.parseInt(v));
                        case "--height" -> o.request.setHeight(Integer.parseInt(v));
                        case "--seed" -> o.request.setSeed(Long.parseLong(v));
                        case "--lora" -> {
                            int eq = v.indexOf('=');
                            o.request.addLoras(LoraWeight.newBuilder().setName(eq < 0 ? v : v.substring(0, eq))
                                    .setScale(eq < 0 ? 1f : Float.parseFloat(v.substring(eq + 1))));
                        }
                        default -> throw new IllegalArgumentException("unknown option " + flag);
                    }
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException(flag + " expects a number, got '" + v + "'");
                }
            }
            return o;
        }
    }
}
