package refiners.mesh;

import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.quarkus.grpc.GlobalInterceptor;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Mutual TLS for the model services: with refiners.tls.client-certificates=required (the "tls" profile), a gRPC call
 * whose connection presented no client certificate ends UNAUTHENTICATED. The certificate itself was checked against
 * the mesh CA during the handshake (a certificate from another CA does not get that far).
 */
@GlobalInterceptor
@ApplicationScoped
public class ClientCertificates implements ServerInterceptor {
    @Inject
    MeshConfig config;
    @ConfigProperty(name = "quarkus.application.name")
    String service;

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        if (!config.tls().clientCertificates().equals("required") || hasPeerCertificate(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION)))
            return next.startCall(call, headers);
        call.close(Status.UNAUTHENTICATED.withDescription(service + " accepts only clients with a certificate from the mesh CA (mutual TLS)"), new Metadata());
        return new ServerCall.Listener<>() {};
    }

    private static boolean hasPeerCertificate(SSLSession session) {
        try {
            return session != null && session.getPeerCertificates().length > 0;
        } catch (SSLPeerUnverifiedException e) {
            return false;
        }
    }
}
