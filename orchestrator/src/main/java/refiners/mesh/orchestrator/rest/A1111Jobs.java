package refiners.mesh.orchestrator.rest;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.subscription.Cancellable;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedDeque;
import refiners.proto.orchestrator.v1.GenerateEvent;
import refiners.proto.orchestrator.v1.Progress;
import refiners.proto.orchestrator.v1.Result;

/**
 * The generations of the A1111 routes, for GET /sdapi/v1/progress and POST /sdapi/v1/interrupt. A1111 runs one job at
 * a time; here they run together, so progress reports the oldest one still running and interrupt stops them all. The
 * images of a request run together too (they batch in unet-svc): one job whose step is the slowest image's.
 */
@ApplicationScoped
public class A1111Jobs {
    private static final DateTimeFormatter TIMESTAMP = DateTimeFormatter.ofPattern("yyyyMMddHHmmss");
    private final ConcurrentLinkedDeque<Job> running = new ConcurrentLinkedDeque<>();

    /** A1111's /progress answer. */
    public record ProgressAnswer(double progress, @JsonProperty("eta_relative") double etaRelative, State state,
                                 @JsonProperty("current_image") String currentImage, String textinfo) {}

    /** A1111's shared.state.dict(). */
    public record State(boolean skipped, boolean interrupted, @JsonProperty("stopping_generation") boolean stoppingGeneration,
                        String job, @JsonProperty("job_count") int jobCount,
                        @JsonProperty("job_timestamp") String jobTimestamp,
                        @JsonProperty("job_no") int jobNo,
                        @JsonProperty("sampling_step") int samplingStep,
                        @JsonProperty("sampling_steps") int samplingSteps) {}

    /** One request's images: their steps, the latest preview, and how to stop them. */
    static final class Job {
        final String name;
        final String timestamp = LocalDateTime.now().format(TIMESTAMP);
        private final long start = System.nanoTime();
        private final int[] step, total;
        private volatile byte[] preview;
        private volatile boolean interrupted;
        private volatile Runnable stop = () -> {};

        Job(String name, int images, int steps) {
            this.name = name;
            step = new int[images];
            total = new int[images];
            java.util.Arrays.fill(total, steps);
        }

        boolean interrupted() {
            return interrupted;
        }

        /**
         * The images (in image order) once all are done; when interrupted, those done by then. A failure is thrown as
         * it came (a StatusRuntimeException).
         */
        List<Result> run(Multi<GenerateEvent> events) {
            CompletableFuture<Void> done = new CompletableFuture<>();
            List<Result> results = java.util.Collections.synchronizedList(new ArrayList<>());
            Cancellable subscription = events.subscribe().with(e -> {
                if (e.hasProgress()) progress(e.getProgress());
                else results.add(e.getResult());
            }, done::completeExceptionally, () -> done.complete(null));
            stop = () -> {
                subscription.cancel(); // cancels the generations, as a client closing an event stream does
                done.complete(null);
            };
            if (interrupted) stop.run(); // interrupted while subscribing
            try {
                done.join();
            } catch (CompletionException e) {
                if (e.getCause() instanceof RuntimeException r) throw r;
                throw e;
            }
            synchronized (results) {
                return results.stream().sorted(Comparator.comparingInt(Result::getImageIndex)).toList();
            }
        }

        private synchronized void progress(Progress p) {
            step[p.getImageIndex()] = p.getStep();
            total[p.getImageIndex()] = p.getTotalSteps();
            if (!p.getPreviewPng().isEmpty()) preview = p.getPreviewPng().toByteArray();
        }

        void interrupt() {
            interrupted = true;
            stop.run();
        }

        synchronized ProgressAnswer answer(boolean withImage) {
            int done = 0, all = 0, slowest = Integer.MAX_VALUE, steps = 0;
            for (int i = 0; i < step.length; i++) {
                done += step[i];
                all += total[i];
                slowest = Math.min(slowest, step[i]);
                steps = Math.max(steps, total[i]);
            }
            double progress = all == 0 ? 0 : Math.min(1, (double) done / all);
            double elapsed = (System.nanoTime() - start) / 1e9;
            double eta = progress > 0 ? elapsed / progress - elapsed : 0;
            String image = withImage && preview != null ? Base64.getEncoder().encodeToString(preview) : null;
            return new ProgressAnswer(progress, eta, new State(false, interrupted, false, name, 1, timestamp, 0, slowest, steps), image, null);
        }
    }

    /** A job, running from now until {@link #end}. */
    Job start(String name, int images, int steps) {
        Job job = new Job(name, images, steps);
        running.add(job);
        return job;
    }

    void end(Job job) {
        running.remove(job);
    }

    /** The oldest running job's progress, or A1111's idle answer. */
    public ProgressAnswer progress(boolean skipCurrentImage) {
        Job job = running.peekFirst();
        if (job != null) return job.answer(!skipCurrentImage);
        return new ProgressAnswer(0, 0, new State(false, false, false, "", 0, "0", 0, 0, 0), null, null);
    }

    /** Stops every running job; each answers with the images it had finished. */
    public void interruptAll() {
        for (Job job : running) job.interrupt();
    }
}
