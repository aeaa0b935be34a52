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
 * Proxies with equal contexts receive identical resources, so the context is the cache key of their resource lists.
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

    /** Whether the proxy may see this service port: exported to its namespace and allowed by its Sidecar. */
    public boolean canReach(MeshService service, ServicePort port) {
        return service.exportTo().isVisibleTo(namespace)
                && sidecar.map(config -> config.allowsEgress(service, port.number())).orElse(true);
    }

    /** Every service port the proxy can reach, ordered by host, then port in declaration order. */
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
