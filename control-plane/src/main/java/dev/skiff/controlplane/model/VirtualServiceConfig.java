package dev.skiff.controlplane.model;

import dev.skiff.api.networking.v1alpha3.VirtualService;
import java.util.List;

/**
 * A VirtualService with its hosts resolved.
 *
 * @param namespace its namespace
 * @param name      its name
 * @param hosts     its {@code hosts}, fully qualified relative to its namespace (may hold wildcards)
 * @param exportTo  the namespaces that may see it
 * @param spec      the spec as written
 */
public record VirtualServiceConfig(String namespace, String name, List<String> hosts, ExportTo exportTo,
                                   VirtualService spec) {
    /** The reserved gateway name that stands for every sidecar of the mesh. */
    public static final String MESH_GATEWAY = "mesh";

    public VirtualServiceConfig {
        hosts = List.copyOf(hosts);
    }

    public static VirtualServiceConfig of(String namespace, String name, VirtualService spec) {
        return new VirtualServiceConfig(namespace, name,
                spec.getHostsList().stream().map(host -> Hostnames.resolve(host, namespace)).toList(),
                ExportTo.parse(spec.getExportToList(), namespace), spec);
    }

    /** The specificity of the most specific host pattern that covers {@code host}, or -1 if none does. */
    public int matchSpecificity(String host) {
        int best = -1;
        for (String pattern : hosts) {
            if (Hostnames.matches(pattern, host)) {
                best = Math.max(best, Hostnames.specificity(pattern));
            }
        }
        return best;
    }

    /** Whether it applies to sidecars and proxyless clients: no {@code gateways}, or one of them is {@code mesh}. */
    public boolean appliesToMesh() {
        return spec.getGatewaysCount() == 0 || spec.getGatewaysList().contains(MESH_GATEWAY);
    }

    /** A destination host of this VirtualService, resolved relative to its namespace. */
    public String resolve(String host) {
        return Hostnames.resolve(host, namespace);
    }
}
