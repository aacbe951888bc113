package refiners.mesh;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.quarkus.grpc.GlobalInterceptor;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.function.Supplier;
import org.jboss.logging.MDC;

/**
 * The generation id on every log line of a generation: the orchestrator names each generation, puts the id in the
 * logging context (MDC key {@value #MDC_KEY}) and sends it to the stages in the {@value #HEADER} metadata; each
 * service puts it back in its logging context while it handles the call, and ModelWork carries it to the worker
 * thread. JSON logs show it as mdc.generation, the console format as "gen=...".
 */
@GlobalInterceptor
@ApplicationScoped
public class GenerationIds implements ServerInterceptor {
    public static final String MDC_KEY = "generation";
    public static final String HEADER = "refiners-generation-id";
    public static final Metadata.Key<String> KEY = Metadata.Key.of(HEADER, Metadata.ASCII_STRING_MARSHALLER);
    /** The id in the call's gRPC context too: Quarkus may run the service method on another (duplicated) Vert.x context. */
    private static final Context.Key<String> CONTEXT_KEY = Context.key(HEADER);

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        String id = headers.get(KEY);
        if (id == null || id.isEmpty() || id.length() > 64) return next.startCall(call, headers);
        ServerCall.Listener<Q> listener = Contexts.interceptCall(Context.current().withValue(CONTEXT_KEY, id), call, headers, next);
        return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(listener) {
            @Override
            public void onMessage(Q message) {
                within(id, () -> super.onMessage(message));
            }

            @Override
            public void onHalfClose() {
                within(id, super::onHalfClose);
            }

            @Override
            public void onCancel() {
                within(id, super::onCancel);
            }

            @Override
            public void onComplete() {
                within(id, super::onComplete);
            }

            @Override
            public void onReady() {
                within(id, super::onReady);
            }
        };
    }

    /** Runs {@code task} with the generation id in the logging context (the previous value restored after). */
    public static void within(String id, Runnable task) {
        within(id, () -> {
            task.run();
            return null;
        });
    }

    public static <T> T within(String id, Supplier<T> task) {
        Object before = MDC.get(MDC_KEY);
        MDC.put(MDC_KEY, id);
        try {
            return task.get();
        } finally {
            if (before == null) MDC.remove(MDC_KEY);
            else MDC.put(MDC_KEY, before);
        }
    }

    /** The current generation id (logging context, else the gRPC call's context), or null. */
    public static String current() {
        Object id = MDC.get(MDC_KEY);
        return id != null ? id.toString() : CONTEXT_KEY.get();
    }
}
