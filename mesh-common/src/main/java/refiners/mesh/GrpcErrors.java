package refiners.mesh;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import io.quarkus.grpc.ExceptionHandler;
import io.quarkus.grpc.ExceptionHandlerProvider;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.faulttolerance.exceptions.BulkheadException;
import refiners.conversion.ConversionException;
import refiners.conversion.WeightsDirectory;
import refiners.fluxion.InvalidRequestException;
import refiners.fluxion.safetensors.SafeTensorsException;

/**
 * How every service turns failures into gRPC statuses: a request error is INVALID_ARGUMENT naming the field, an
 * unknown name NOT_FOUND, a file that cannot serve FAILED_PRECONDITION (a named file of a directory by its name, never
 * its server path), a full work queue RESOURCE_EXHAUSTED; a
 * status already chosen is kept; anything else is INTERNAL, or UNAVAILABLE once the process is stopping. Applies to exceptions thrown by service methods and to failed Uni/Multi alike.
 */
@ApplicationScoped
public class GrpcErrors implements ExceptionHandlerProvider {
    @ConfigProperty(name = "quarkus.application.name")
    String service;

    @Override
    public <ReqT, RespT> ExceptionHandler<ReqT, RespT> createHandler(ServerCall.Listener<ReqT> listener, ServerCall<ReqT, RespT> call, Metadata metadata) {
        return new ExceptionHandler<>(listener, call, metadata) {
            @Override
            protected void handleException(Throwable t, ServerCall<ReqT, RespT> call, Metadata metadata) {
                StatusRuntimeException s = asStatus(t);
                call.close(s.getStatus(), s.getTrailers() != null ? s.getTrailers() : new Metadata());
            }
        };
    }

    @Override
    public Throwable transform(Throwable t) {
        return asStatus(t);
    }

    /** The status for a failure (the first recognised cause in its chain). */
    public StatusRuntimeException asStatus(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof StatusRuntimeException s) return s;
            if (t instanceof StatusException s) return s.getStatus().asRuntimeException(s.getTrailers());
            if (t instanceof BulkheadException)
                return Status.RESOURCE_EXHAUSTED.withDescription(service + " is busy: every worker is running and the queue is full; retry later").asRuntimeException();
            if (t instanceof InvalidRequestException) return Status.INVALID_ARGUMENT.withDescription(t.getMessage()).asRuntimeException();
            if (t instanceof WeightsDirectory.NotFoundException) return Status.NOT_FOUND.withDescription(t.getMessage()).asRuntimeException();
            if (t instanceof WeightsDirectory.UnusableFileException) return Status.FAILED_PRECONDITION.withDescription(t.getMessage()).asRuntimeException();
            if (t instanceof ConversionException || t instanceof SafeTensorsException)
                return Status.FAILED_PRECONDITION.withDescription(t.getMessage()).asRuntimeException();
        }
        return unrecognised(failure, ModelWork.exiting());
    }

    /**
     * A failure of no known kind: INTERNAL, unless the process is stopping. Then it is the shutdown's doing (the CDI
     * container goes away under streams still open) and UNAVAILABLE, so the caller resumes on another replica.
     */
    StatusRuntimeException unrecognised(Throwable failure, boolean exiting) {
        if (exiting) return Status.UNAVAILABLE.withDescription(service + " is shutting down").withCause(failure).asRuntimeException();
        return Status.INTERNAL.withDescription(service + ": " + failure).withCause(failure).asRuntimeException();
    }
}
