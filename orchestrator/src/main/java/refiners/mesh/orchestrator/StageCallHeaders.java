package refiners.mesh.orchestrator;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.quarkus.grpc.GlobalInterceptor;
import jakarta.enterprise.context.ApplicationScoped;
import refiners.mesh.GenerationIds;

/** Every stage call made for a generation carries its id (the stage logs with it; see GenerationIds). */
@GlobalInterceptor
@ApplicationScoped
public class StageCallHeaders implements ClientInterceptor {
    @Override
    public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
        String id = GenerationIds.current();
        ClientCall<Q, R> call = next.newCall(method, options);
        if (id == null) return call;
        return new ForwardingClientCall.SimpleForwardingClientCall<>(call) {
            @Override
            public void start(Listener<R> listener, Metadata headers) {
                headers.put(GenerationIds.KEY, id);
                super.start(listener, headers);
            }
        };
    }
}
