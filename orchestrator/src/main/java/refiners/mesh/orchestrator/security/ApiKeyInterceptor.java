package refiners.mesh.orchestrator.security;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.quarkus.grpc.GlobalInterceptor;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/** Every gRPC call to the orchestrator carries a valid key in its authorization metadata, or ends UNAUTHENTICATED. */
@GlobalInterceptor
@ApplicationScoped
public class ApiKeyInterceptor implements ServerInterceptor {
    private static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    @Inject
    ApiKeys keys;

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        if (!keys.required() || keys.accepts(headers.get(AUTHORIZATION))) return next.startCall(call, headers);
        call.close(Status.UNAUTHENTICATED.withDescription(ApiKeys.refusal()), new Metadata());
        return new ServerCall.Listener<>() {};
    }
}
