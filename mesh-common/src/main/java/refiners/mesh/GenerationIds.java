package refiners.mesh;

import java.util.function.Supplier;
import org.jboss.logging.MDC;

/**
 * The generation id on every log line of a generation: the orchestrator names each generation and puts the id in its
 * logging context (MDC key {@value #MDC_KEY}); its stage calls carry it in their messages (generation_id), and each
 * service puts it in its logging context while it handles the call; ModelWork carries it to the worker thread. JSON
 * logs show it as mdc.generation, the console format as "gen=...".
 */
public final class GenerationIds {
    public static final String MDC_KEY = "generation";

    private GenerationIds() {}

    /** Runs {@code task} with the generation id (none: empty) in the logging context, the previous value restored after. */
    public static void within(String id, Runnable task) {
        within(id, () -> {
            task.run();
            return null;
        });
    }

    public static <T> T within(String id, Supplier<T> task) {
        if (id == null || id.isEmpty()) return task.get();
        Object before = MDC.get(MDC_KEY);
        MDC.put(MDC_KEY, id);
        try {
            return task.get();
        } finally {
            if (before == null) MDC.remove(MDC_KEY);
            else MDC.put(MDC_KEY, before);
        }
    }

    /** Runs {@code task} with no generation id in the logging context (work shared by several generations). */
    public static <T> T outside(Supplier<T> task) {
        Object before = MDC.get(MDC_KEY);
        MDC.remove(MDC_KEY);
        try {
            return task.get();
        } finally {
            if (before != null) MDC.put(MDC_KEY, before);
        }
    }

    /** The current generation id, or null. */
    public static String current() {
        Object id = MDC.get(MDC_KEY);
        return id == null ? null : id.toString();
    }
}
