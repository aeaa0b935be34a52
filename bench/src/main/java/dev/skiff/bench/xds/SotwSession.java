package dev.skiff.bench.xds;

import com.google.protobuf.Any;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * A state-of-the-world ADS sidecar: CDS and LDS by wildcard, EDS and RDS by the names the current clusters and
 * listeners reference. Every response is ACKed with its version and nonce; when a CDS (LDS) response changes the
 * set of referenced EDS (RDS) names, a new EDS (RDS) request follows the ACK, carrying the latest EDS (RDS)
 * version and nonce as Envoy does.
 */
final class SotwSession implements XdsSession<DiscoveryRequest, DiscoveryResponse> {
    private final Node node;
    private final boolean nodeOnEveryRequest;
    private final Map<String, TypeState> types = new HashMap<>();
    private final Set<String> acked = new HashSet<>();

    private static final class TypeState {
        String version = "";
        String nonce = "";
        Set<String> names = Set.of();
    }

    /**
     * @param node               the sidecar's identity, sent on the first request
     * @param nodeOnEveryRequest send the node on every request too, as Envoy does by default
     *                           ({@code set_node_on_first_message_only: false})
     */
    SotwSession(Node node, boolean nodeOnEveryRequest) {
        this.node = Objects.requireNonNull(node, "node");
        this.nodeOnEveryRequest = nodeOnEveryRequest;
        for (String type : XdsTypes.ALL) {
            types.put(type, new TypeState());
        }
    }

    @Override
    public List<DiscoveryRequest> start() {
        return List.of(
                DiscoveryRequest.newBuilder().setNode(node).setTypeUrl(XdsTypes.CLUSTER).build(),
                withNodeIfEvery(DiscoveryRequest.newBuilder().setTypeUrl(XdsTypes.LISTENER)).build());
    }

    @Override
    public Outcome<DiscoveryRequest> onResponse(DiscoveryResponse response, ChangeProbe probe) {
        String typeUrl = response.getTypeUrl();
        TypeState state = types.get(typeUrl);
        if (state == null) {
            throw new IllegalStateException("the control plane sent type '" + typeUrl
                    + "', which this sidecar never asked for (expected one of " + XdsTypes.ALL + ")");
        }
        state.version = response.getVersionInfo();
        state.nonce = response.getNonce();
        boolean carriesProbe = false;
        if (probe != null && probe.typeUrl().equals(typeUrl)) {
            for (Any resource : response.getResourcesList()) {
                if (probe.matches(resource.getValue())) {
                    carriesProbe = true;
                    break;
                }
            }
        }
        List<DiscoveryRequest> requests = new ArrayList<>(2);
        requests.add(request(typeUrl, state));
        acked.add(typeUrl);
        if (typeUrl.equals(XdsTypes.CLUSTER)) {
            Set<String> eds = new TreeSet<>();
            for (Any resource : response.getResourcesList()) {
                ResourceRefs.edsName(resource.getValue()).ifPresent(eds::add);
            }
            follow(XdsTypes.ENDPOINT, eds, requests);
        } else if (typeUrl.equals(XdsTypes.LISTENER)) {
            Set<String> rds = new TreeSet<>();
            for (Any resource : response.getResourcesList()) {
                ResourceRefs.addRdsNames(resource.getValue(), rds);
            }
            follow(XdsTypes.ROUTE, rds, requests);
        }
        return new Outcome<>(List.copyOf(requests), carriesProbe);
    }

    /** Subscribes the dependent type to {@code names} when they differ from what it asked for last. */
    private void follow(String typeUrl, Set<String> names, List<DiscoveryRequest> requests) {
        TypeState state = types.get(typeUrl);
        if (names.equals(state.names)) {
            return;
        }
        state.names = Set.copyOf(names);
        requests.add(withNodeIfEvery(DiscoveryRequest.newBuilder().setTypeUrl(typeUrl).setVersionInfo(state.version)
                .setResponseNonce(state.nonce).addAllResourceNames(names)).build());
    }

    private DiscoveryRequest request(String typeUrl, TypeState state) {
        return withNodeIfEvery(DiscoveryRequest.newBuilder().setTypeUrl(typeUrl).setVersionInfo(state.version)
                .setResponseNonce(state.nonce).addAllResourceNames(new TreeSet<>(state.names))).build();
    }

    private DiscoveryRequest.Builder withNodeIfEvery(DiscoveryRequest.Builder request) {
        return nodeOnEveryRequest ? request.setNode(node) : request;
    }

    @Override
    public boolean synced() {
        return acked.size() == XdsTypes.ALL.size();
    }

    /** The names the sidecar is subscribed to for {@code typeUrl} (empty for the wildcard types). */
    Set<String> subscribed(String typeUrl) {
        return types.get(typeUrl).names;
    }
}
