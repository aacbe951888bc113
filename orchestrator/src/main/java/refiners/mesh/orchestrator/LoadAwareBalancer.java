package refiners.mesh.orchestrator;

import io.grpc.Attributes;
import io.grpc.ClientStreamTracer;
import io.grpc.ConnectivityState;
import io.grpc.ConnectivityStateInfo;
import io.grpc.EquivalentAddressGroup;
import io.grpc.LoadBalancer;
import io.grpc.LoadBalancerProvider;
import io.grpc.Metadata;
import io.grpc.NameResolver;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Client-side balancing over a stage's replicas by their load: the calls (Denoise streams: generations) this
 * orchestrator has open on each. Two policies: {@code refiners_spread} picks the least loaded replica (ties in turn);
 * {@code refiners_fill} picks the most loaded replica that is below {@code capacity} (REFINERS_MAX_BATCH: one UNet
 * call's worth), so a replica's batches fill before the next replica gets work, and the least loaded once all are full.
 * Calls are counted from the start of their stream to its close, on the replica that carries them.
 */
final class LoadAwareBalancer extends LoadBalancer {
    static final String SPREAD = "refiners_spread";
    static final String FILL = "refiners_fill";

    private final Helper helper;
    private final boolean fill;
    private final int capacity;
    private final Map<EquivalentAddressGroup, Replica> replicas = new HashMap<>();
    private Status lastError = Status.UNAVAILABLE.withDescription("no replica resolved yet");
    private int turn;

    /** One address group: its subchannel, state and open calls. */
    private static final class Replica {
        final Subchannel subchannel;
        final AtomicInteger open = new AtomicInteger();
        ConnectivityState state = ConnectivityState.IDLE;

        Replica(Subchannel subchannel) {
            this.subchannel = subchannel;
        }
    }

    LoadAwareBalancer(Helper helper, boolean fill, int capacity) {
        this.helper = helper;
        this.fill = fill;
        this.capacity = capacity;
    }

    @Override
    public Status acceptResolvedAddresses(ResolvedAddresses resolved) {
        List<EquivalentAddressGroup> groups = new ArrayList<>();
        for (EquivalentAddressGroup g : resolved.getAddresses()) groups.add(new EquivalentAddressGroup(g.getAddresses())); // keyed by addresses alone
        if (groups.isEmpty()) {
            handleNameResolutionError(Status.UNAVAILABLE.withDescription("no address resolved for " + helper.getAuthority()));
            return Status.UNAVAILABLE;
        }
        for (EquivalentAddressGroup g : groups) {
            if (replicas.containsKey(g)) continue;
            Subchannel sc = helper.createSubchannel(CreateSubchannelArgs.newBuilder().setAddresses(g).setAttributes(Attributes.EMPTY).build());
            Replica r = new Replica(sc);
            replicas.put(g, r);
            sc.start(info -> onState(r, info));
            sc.requestConnection();
        }
        replicas.entrySet().removeIf(e -> {
            if (groups.contains(e.getKey())) return false;
            e.getValue().subchannel.shutdown();
            return true;
        });
        updatePicker();
        return Status.OK;
    }

    private void onState(Replica r, ConnectivityStateInfo info) {
        if (!replicas.containsValue(r)) return;
        r.state = info.getState();
        if (info.getState() == ConnectivityState.TRANSIENT_FAILURE) {
            lastError = info.getStatus();
            helper.refreshNameResolution(); // a pod may have been replaced
        }
        if (info.getState() == ConnectivityState.IDLE) r.subchannel.requestConnection();
        updatePicker();
    }

    private void updatePicker() {
        List<Replica> ready = new ArrayList<>();
        boolean connecting = false;
        for (Replica r : replicas.values()) {
            if (r.state == ConnectivityState.READY) ready.add(r);
            else if (r.state == ConnectivityState.CONNECTING || r.state == ConnectivityState.IDLE) connecting = true;
        }
        if (!ready.isEmpty()) {
            ready.sort(java.util.Comparator.comparing(r -> r.subchannel.getAddresses().toString())); // a stable order for fill
            helper.updateBalancingState(ConnectivityState.READY, new Picker(ready));
        } else if (connecting) {
            helper.updateBalancingState(ConnectivityState.CONNECTING, new SubchannelPicker() {
                @Override
                public PickResult pickSubchannel(PickSubchannelArgs args) {
                    return PickResult.withNoResult();
                }
            });
        } else {
            Status error = lastError;
            helper.updateBalancingState(ConnectivityState.TRANSIENT_FAILURE, new SubchannelPicker() {
                @Override
                public PickResult pickSubchannel(PickSubchannelArgs args) {
                    return PickResult.withError(error);
                }
            });
        }
    }

    @Override
    public void handleNameResolutionError(Status error) {
        lastError = error;
        if (replicas.values().stream().noneMatch(r -> r.state == ConnectivityState.READY)) updatePicker();
    }

    @Override
    public void requestConnection() {
        for (Replica r : replicas.values()) r.subchannel.requestConnection();
    }

    @Override
    public void shutdown() {
        for (Replica r : replicas.values()) r.subchannel.shutdown();
        replicas.clear();
    }

    /** Chooses among the ready replicas by their open calls, counted by a stream tracer. */
    private final class Picker extends SubchannelPicker {
        private final List<Replica> ready;

        Picker(List<Replica> ready) {
            this.ready = ready;
        }

        @Override
        public PickResult pickSubchannel(PickSubchannelArgs args) {
            Replica chosen = fill ? fullestWithRoom() : null;
            if (chosen == null) chosen = leastLoaded();
            AtomicInteger open = chosen.open;
            return PickResult.withSubchannel(chosen.subchannel, new ClientStreamTracer.Factory() {
                @Override
                public ClientStreamTracer newClientStreamTracer(ClientStreamTracer.StreamInfo info, Metadata headers) {
                    open.incrementAndGet(); // counted once the stream exists, until it closes
                    return new ClientStreamTracer() {
                        @Override
                        public void streamClosed(Status status) {
                            open.decrementAndGet();
                        }
                    };
                }
            });
        }

        private Replica fullestWithRoom() {
            Replica best = null;
            for (Replica r : ready) if (r.open.get() < capacity && (best == null || r.open.get() > best.open.get())) best = r;
            return best;
        }

        private Replica leastLoaded() {
            int start;
            synchronized (LoadAwareBalancer.this) {
                start = turn++;
            }
            Replica best = null;
            for (int i = 0; i < ready.size(); i++) {
                Replica r = ready.get(Math.floorMod(start + i, ready.size()));
                if (best == null || r.open.get() < best.open.get()) best = r;
            }
            return best;
        }
    }

    /** Provides one of the two policies; {@code capacity}: calls a replica takes at once before fill looks further. */
    static final class Provider extends LoadBalancerProvider {
        private final String name;
        private final int capacity;

        Provider(String name, int capacity) {
            this.name = name;
            this.capacity = capacity;
        }

        @Override
        public boolean isAvailable() {
            return true;
        }

        @Override
        public int getPriority() {
            return 5;
        }

        @Override
        public String getPolicyName() {
            return name;
        }

        @Override
        public LoadBalancer newLoadBalancer(Helper helper) {
            return new LoadAwareBalancer(helper, name.equals(FILL), capacity);
        }

        @Override
        public NameResolver.ConfigOrError parseLoadBalancingPolicyConfig(Map<String, ?> rawConfig) {
            return NameResolver.ConfigOrError.fromConfig(new HashMap<>(rawConfig));
        }
    }
}
