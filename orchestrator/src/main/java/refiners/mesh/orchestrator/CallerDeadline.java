package refiners.mesh.orchestrator;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Deadline;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.quarkus.grpc.GlobalInterceptor;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.concurrent.TimeUnit;

/**
 * The caller's deadline (the grpc-timeout header), made available as {@link #current()}: gRPC served on the HTTP port
 * (Vert.x transport) does not put it in io.grpc.Context itself. Stage calls then share what is left of it.
 */
@GlobalInterceptor
@ApplicationScoped
public class CallerDeadline implements ServerInterceptor {
    private static final Context.Key<Deadline> KEY = Context.key("refiners-caller-deadline");
    private static final Metadata.Key<String> TIMEOUT = Metadata.Key.of("grpc-timeout", Metadata.ASCII_STRING_MARSHALLER);

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        Deadline deadline = Context.current().getDeadline();
        if (deadline == null) deadline = parse(headers.get(TIMEOUT));
        return Contexts.interceptCall(Context.current().withValue(KEY, deadline), call, headers, next);
    }

    /** The deadline of the call being served, or null when the caller set none. */
    public static Deadline current() {
        return KEY.get();
    }

    /** "100m" (an integer and a unit: H, M, S, m, u, n) as a deadline from now; null if absent or malformed. */
    static Deadline parse(String timeout) {
        if (timeout == null || timeout.length() < 2) return null;
        long amount;
        try {
            amount = Long.parseLong(timeout.substring(0, timeout.length() - 1));
        } catch (NumberFormatException e) {
            return null;
        }
        TimeUnit unit = switch (timeout.charAt(timeout.length() - 1)) {
            case 'H' -> TimeUnit.HOURS;
            case 'M' -> TimeUnit.MINUTES;
            case 'S' -> TimeUnit.SECONDS;
            case 'm' -> TimeUnit.MILLISECONDS;
            case 'u' -> TimeUnit.MICROSECONDS;
            case 'n' -> TimeUnit.NANOSECONDS;
            default -> null;
        };
        return unit == null ? null : Deadline.after(amount, unit);
    }
}
