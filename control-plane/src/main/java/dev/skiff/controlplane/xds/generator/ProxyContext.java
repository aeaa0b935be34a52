package dev.skiff.controlplane.xds.generator;

import dev.skiff.controlplane.model.MeshService;
import dev.skiff.controlplane.model.MeshSnapshot;
import dev.skiff.controlplane.model.ServicePort;
import dev.skiff.controlplane.model.SidecarConfig;
import dev.skiff.controlplane.model.Workload;
import dev.skiff.controlplane.xds.ProxyView;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Everything about one proxy that its generated resources depend on, resolved against one {@link MeshSnapshot}.
 * Proxies with equal contexts receive identical resources; resource lists that depend on less (see {@link Scope})
 * are shared more widely.
 *
 * @param kind      sidecar or proxyless client
 * @param namespace the proxy's namespace
 * @param workload  its WorkloadEntry, for a sidecar whose WorkloadEntry exists
 * @param address   the address its listeners bind: the WorkloadEntry's, else the one in the sidecar's node id
 *                  (empty for proxyless clients)
 * @param labels    the WorkloadEntry's labels, else those the node reported
 * @param sidecar   the Sidecar resource that applies to it
 */
public record ProxyContext(ProxyView.Kind kind, String namespace, Optional<Workload> workload, String address,
                           Map<String, String> labels, Optional<SidecarConfig> sidecar) {
    private static final String SIDECAR_ID_PREFIX = "sidecar~";

    public ProxyContext {
        labels = Map.copyOf(labels);
    }

    /** Resolves a proxy's view against the snapshot. */
    public static ProxyContext of(MeshSnapshot mesh, ProxyView view) {
        Optional<Workload> workload = view.kind() == ProxyView.Kind.SIDECAR && view.workload() != null
                ? mesh.workload(view.namespace(), view.workload()) : Optional.empty();
        Map<String, String> labels = workload.map(Workload::labels).orElse(view.labels());
        String address = workload.map(Workload::address)
                .orElseGet(() -> view.kind() == ProxyView.Kind.SIDECAR ? addressInNodeId(view.id()) : "");
        return new ProxyContext(view.kind(), view.namespace(), workload, address, labels,
                mesh.sidecar(view.namespace(), labels));
    }

    private static String addressInNodeId(String nodeId) {
        if (!nodeId.startsWith(SIDECAR_ID_PREFIX)) {
            return "";
        }
        int end = nodeId.indexOf('~', SIDECAR_ID_PREFIX.length());
        return end < 0 ? "" : nodeId.substring(SIDECAR_ID_PREFIX.length(), end);
    }

    /** The visibility scope of the proxy: what decides the service ports it reaches and how it sees them. */
    public Scope scope() {
        return new Scope(kind, namespace, sidecar);
    }

    /** Whether the proxy may see this service port: exported to its namespace and allowed by its Sidecar. */
    public boolean canReach(MeshService service, ServicePort port) {
        return scope().canReach(service, port);
    }

    /** Every service port the proxy can reach, ordered by host, then port in declaration order. */
    public List<OutboundPort> reachable(MeshSnapshot mesh) {
        return scope().reachable(mesh);
    }

    /**
     * What the proxies of one kind in one namespace under one Sidecar resource have in common: the service ports
     * they reach, and the VirtualServices and DestinationRules they see (both chosen by the proxy's namespace).
     * Resource lists that do not depend on the workload itself are shared by the proxies of one scope.
     *
     * @param kind      sidecar or proxyless client
     * @param namespace the proxies' namespace
     * @param sidecar   the Sidecar resource that applies to them
     */
    public record Scope(ProxyView.Kind kind, String namespace, Optional<SidecarConfig> sidecar) {
        /** Whether its proxies may see this service port: exported to the namespace and allowed by the Sidecar. */
        public boolean canReach(MeshService service, ServicePort port) {
            return service.exportTo().isVisibleTo(namespace)
                    && sidecar.map(config -> config.allowsEgress(service, port.number())).orElse(true);
        }

        /** Every service port proxies of this scope can reach, ordered by host, then port in declaration order. */
        public List<OutboundPort> reachable(MeshSnapshot mesh) {
            List<OutboundPort> reachable = new ArrayList<>();
            for (MeshService service : mesh.services()) {
                for (ServicePort port : service.ports()) {
                    if (canReach(service, port)) {
                        reachable.add(new OutboundPort(service, port));
                    }
                }
            }
            return reachable;
        }
    }
}
