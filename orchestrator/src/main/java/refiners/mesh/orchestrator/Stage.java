package refiners.mesh.orchestrator;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;
import org.eclipse.microprofile.config.ConfigProvider;

/** The three model services the orchestrator calls, by service name and gRPC client name (quarkus.grpc.clients.NAME). */
public enum Stage {
    TEXT_ENCODER("text-encoder-svc", "text-encoder"),
    UNET("unet-svc", "unet"),
    VAE("vae-svc", "vae");

    public final String service;
    public final String client;

    Stage(String service, String client) {
        this.service = service;
        this.client = client;
    }

    /** host:port from the client configuration. */
    public String address() {
        var c = ConfigProvider.getConfig();
        return c.getOptionalValue("quarkus.grpc.clients." + client + ".host", String.class).orElse("localhost") + ":"
                + c.getOptionalValue("quarkus.grpc.clients." + client + ".port", String.class).orElse("9000");
    }

    /**
     * A failure of this stage as the caller should see it: a stage that cannot be reached is UNAVAILABLE naming the
     * stage and its address; other statuses keep their code and say which stage answered.
     */
    public StatusRuntimeException failure(Throwable t) {
        while (t instanceof CompletionException && t.getCause() != null) t = t.getCause();
        if (t instanceof StatusRuntimeException e) {
            Status s = e.getStatus();
            String detail = s.getDescription() != null ? s.getDescription() : s.getCause() != null ? s.getCause().toString() : s.getCode().toString();
            if (s.getCode() == Status.Code.UNAVAILABLE)
                return Status.UNAVAILABLE.withDescription(service + " unavailable at " + address() + ": " + detail).withCause(t).asRuntimeException();
            if (s.getCode() == Status.Code.DEADLINE_EXCEEDED)
                return Status.DEADLINE_EXCEEDED.withDescription(service + " at " + address() + " did not answer in time: " + detail).withCause(t).asRuntimeException();
            if (detail.startsWith(service)) return e;
            return s.withDescription(service + ": " + detail).asRuntimeException();
        }
        if (t instanceof TimeoutException)
            return Status.DEADLINE_EXCEEDED.withDescription(service + " at " + address() + " did not answer in time").withCause(t).asRuntimeException();
        return Status.INTERNAL.withDescription(service + ": " + t).withCause(t).asRuntimeException();
    }
}
