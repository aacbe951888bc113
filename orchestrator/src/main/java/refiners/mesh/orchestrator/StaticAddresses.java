package refiners.mesh.orchestrator;

import io.grpc.EquivalentAddressGroup;
import io.grpc.NameResolver;
import io.grpc.NameResolverProvider;
import io.grpc.Status;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Name resolution of a fixed list of replicas, for a mesh without DNS service discovery (several replicas on one
 * machine): REFINERS_NAME_RESOLVER=static and a stage's host set to {@code host:port,host:port,...}. Quarkus appends
 * the stage's port to the target ({@code static://a:1,b:2:PORT}); a last entry with two ports keeps its own.
 */
final class StaticAddresses extends NameResolverProvider {
    static final String SCHEME = "static";

    @Override
    protected boolean isAvailable() {
        return true;
    }

    @Override
    protected int priority() {
        return 5;
    }

    @Override
    public String getDefaultScheme() {
        return SCHEME;
    }

    @Override
    public Collection<Class<? extends SocketAddress>> getProducedSocketAddressTypes() {
        return List.of(InetSocketAddress.class);
    }

    @Override
    public NameResolver newNameResolver(URI target, NameResolver.Args args) {
        if (!SCHEME.equals(target.getScheme())) return null;
        List<EquivalentAddressGroup> groups = parse(target.getRawAuthority());
        String authority = target.getRawAuthority().split(",")[0]; // the :authority header must be one host:port
        return new NameResolver() {
            @Override
            public String getServiceAuthority() {
                return authority;
            }

            @Override
            public void start(Listener2 listener) {
                if (groups.isEmpty()) listener.onError(Status.INVALID_ARGUMENT.withDescription("no host:port in " + target));
                else listener.onResult(ResolutionResult.newBuilder().setAddresses(groups).build());
            }

            @Override
            public void shutdown() {}
        };
    }

    /** "a:1,b:2" (or "a:1,b:2:9", Quarkus' port after the last entry) to one address group per replica. */
    static List<EquivalentAddressGroup> parse(String authority) {
        List<EquivalentAddressGroup> out = new ArrayList<>();
        if (authority == null) return out;
        for (String entry : authority.split(",")) {
            String[] parts = entry.trim().split(":");
            if (parts.length < 2) throw new IllegalArgumentException("a static replica address must be host:port, not '" + entry + "'");
            out.add(new EquivalentAddressGroup(new InetSocketAddress(parts[0], Integer.parseInt(parts[1]))));
        }
        return out;
    }
}
