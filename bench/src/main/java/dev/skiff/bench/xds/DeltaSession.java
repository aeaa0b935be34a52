package dev.skiff.bench.xds;

import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * An incremental (delta) ADS sidecar: CDS and LDS by wildcard, EDS and RDS by the names the clusters and
 * listeners it holds reference, subscribed and unsubscribed as those change. Every response is ACKed with its
 * nonce.
 */
final class DeltaSession implements XdsSession<DeltaDiscoveryRequest, DeltaDiscoveryResponse> {
    private final Node node;
    private final boolean nodeOnEveryRequest;
    /** Per type, the resources held: name to version. */
    private final Map<String, Map<String, String>> held = new HashMap<>();
    /** Per held cluster (listener), the EDS (RDS) names it references. */
    private final Map<String, Set<String>> edsByCluster = new HashMap<>();
    private final Map<String, Set<String>> rdsByListener = new HashMap<>();
    private final Set<String> edsSubscribed = new HashSet<>();
    private final Set<String> rdsSubscribed = new HashSet<>();
    private final Set<String> acked = new HashSet<>();

    /**
     * @param node               the sidecar's identity, sent on the first request
     * @param nodeOnEveryRequest send the node on every request too, as Envoy does by default
     *                           ({@code set_node_on_first_message_only: false})
     */
    DeltaSession(Node node, boolean nodeOnEveryRequest) {
        this.node = Objects.requireNonNull(node, "node");
        this.nodeOnEveryRequest = nodeOnEveryRequest;
        for (String type : XdsTypes.ALL) {
            held.put(type, new HashMap<>());
        }
    }

    @Override
    public List<DeltaDiscoveryRequest> start() {
        return List.of(
                DeltaDiscoveryRequest.newBuilder().setNode(node).setTypeUrl(XdsTypes.CLUSTER).build(),
                withNodeIfEvery(DeltaDiscoveryRequest.newBuilder().setTypeUrl(XdsTypes.LISTENER)).build());
    }

    @Override
    public Outcome<DeltaDiscoveryRequest> onResponse(DeltaDiscoveryResponse response, ChangeProbe probe) {
        String typeUrl = response.getTypeUrl();
        Map<String, String> resources = held.get(typeUrl);
        if (resources == null) {
            throw new IllegalStateException("the control plane sent type '" + typeUrl
                    + "', which this sidecar never asked for (expected one of " + XdsTypes.ALL + ")");
        }
        boolean carriesProbe = false;
        boolean probeType = probe != null && probe.typeUrl().equals(typeUrl);
        for (Resource resource : response.getResourcesList()) {
            resources.put(resource.getName(), resource.getVersion());
            if (probeType && !carriesProbe && probe.matches(resource.getResource().getValue())) {
                carriesProbe = true;
            }
            if (typeUrl.equals(XdsTypes.CLUSTER)) {
                edsByCluster.put(resource.getName(),
                        ResourceRefs.edsName(resource.getResource().getValue()).map(Set::of).orElse(Set.of()));
            } else if (typeUrl.equals(XdsTypes.LISTENER)) {
                Set<String> rds = new HashSet<>();
                ResourceRefs.addRdsNames(resource.getResource().getValue(), rds);
                rdsByListener.put(resource.getName(), rds);
            }
        }
        for (String removed : response.getRemovedResourcesList()) {
            resources.remove(removed);
            edsByCluster.remove(removed);
            rdsByListener.remove(removed);
        }
        List<DeltaDiscoveryRequest> requests = new ArrayList<>(2);
        requests.add(withNodeIfEvery(DeltaDiscoveryRequest.newBuilder().setTypeUrl(typeUrl).setResponseNonce(response.getNonce())).build());
        acked.add(typeUrl);
        if (typeUrl.equals(XdsTypes.CLUSTER)) {
            follow(XdsTypes.ENDPOINT, edsByCluster, edsSubscribed, requests);
        } else if (typeUrl.equals(XdsTypes.LISTENER)) {
            follow(XdsTypes.ROUTE, rdsByListener, rdsSubscribed, requests);
        }
        return new Outcome<>(List.copyOf(requests), carriesProbe);
    }

    private void follow(String typeUrl, Map<String, Set<String>> references, Set<String> subscribed,
                               List<DeltaDiscoveryRequest> requests) {
        Set<String> wanted = new TreeSet<>();
        references.values().forEach(wanted::addAll);
        Set<String> subscribe = new TreeSet<>(wanted);
        subscribe.removeAll(subscribed);
        Set<String> unsubscribe = new TreeSet<>(subscribed);
        unsubscribe.removeAll(wanted);
        if (subscribe.isEmpty() && unsubscribe.isEmpty()) {
            return;
        }
        subscribed.addAll(subscribe);
        subscribed.removeAll(unsubscribe);
        requests.add(withNodeIfEvery(DeltaDiscoveryRequest.newBuilder().setTypeUrl(typeUrl)
                .addAllResourceNamesSubscribe(subscribe).addAllResourceNamesUnsubscribe(unsubscribe)).build());
    }

    private DeltaDiscoveryRequest.Builder withNodeIfEvery(DeltaDiscoveryRequest.Builder request) {
        return nodeOnEveryRequest ? request.setNode(node) : request;
    }

    @Override
    public boolean synced() {
        return acked.size() == XdsTypes.ALL.size();
    }

    /** The names the sidecar is subscribed to for EDS or RDS. */
    Set<String> subscribed(String typeUrl) {
        return Set.copyOf(typeUrl.equals(XdsTypes.ENDPOINT) ? edsSubscribed : rdsSubscribed);
    }

    /** The resources held of {@code typeUrl}, name to version. */
    Map<String, String> held(String typeUrl) {
        return Map.copyOf(held.get(typeUrl));
    }
}
