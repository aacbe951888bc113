package refiners.cli;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import refiners.options.Args;
import refiners.proto.orchestrator.v1.GenerateEvent;
import refiners.proto.orchestrator.v1.GenerateRequest;
import refiners.proto.orchestrator.v1.OrchestratorGrpc;
import refiners.proto.orchestrator.v1.Result;

/**
 * client: the orchestrator's Generate from the command line. A progress bar while the steps stream in, then the PNG
 * written and the per-stage timings printed. Unset options take the orchestrator's defaults.
 */
public final class ClientCommand {
    public static final String USAGE = "client " + GenerationOptions.USAGE + """

                     [--address localhost:8080] [--deadline SECONDS]
              Through the mesh (the orchestrator at --address).""";

    private ClientCommand() {}

    /** Exit code: 0 done, 1 the call failed, 2 bad usage. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        Args a;
        GenerateRequest request;
        try {
            a = new Args(args, List.of(), GenerationOptions.with("address", "deadline"));
            request = GenerationOptions.request(a);
            a.getLong("deadline", 0);
        } catch (IllegalArgumentException e) {
            err.println("error: " + e.getMessage());
            err.println("usage: " + USAGE);
            return 2;
        }
        Path file = GenerationOptions.out(a);
        ManagedChannel channel = ManagedChannelBuilder.forTarget(a.get("address", "localhost:8080")).usePlaintext().maxInboundMessageSize(64 << 20).build();
        try {
            var stub = OrchestratorGrpc.newBlockingStub(channel).withDeadlineAfter(a.getLong("deadline", 3600), TimeUnit.SECONDS);
            Iterator<GenerateEvent> events = stub.generate(request);
            Result result = null;
            ProgressBar bar = new ProgressBar(out, "denoising");
            while (events.hasNext()) {
                GenerateEvent e = events.next();
                if (e.hasProgress()) bar.update(e.getProgress().getStep(), e.getProgress().getTotalSteps(), e.getProgress().getElapsedSeconds());
                else if (e.hasResult()) result = e.getResult();
            }
            bar.done();
            if (result == null) {
                err.println("error: the stream ended without an image");
                return 1;
            }
            Files.write(file, result.getPng().toByteArray());
            var t = result.getTimings();
            out.printf(Locale.ROOT, "wrote %s (%dx%d, seed %d)%n", file, result.getWidth(), result.getHeight(), result.getSeed());
            out.printf(Locale.ROOT, "timings: text-encoder %.3f s, unet %.3f s, solver %.3f s, vae %.3f s, total %.3f s%n",
                    t.getTextEncoderSeconds(), t.getUnetSeconds(), t.getSolverSeconds(), t.getVaeSeconds(), t.getTotalSeconds());
            return 0;
        } catch (StatusRuntimeException e) {
            out.println();
            err.println("error: " + e.getStatus().getCode() + ": " + e.getStatus().getDescription());
            return 1;
        } catch (IOException e) {
            err.println("error: cannot write " + file + ": " + e.getMessage());
            return 1;
        } finally {
            channel.shutdownNow();
        }
    }
}
