package dev.skiff.proxy.model;

import java.util.List;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Everything the proxy serves with, published as one immutable value.
 *
 * @param version     a version for logs and admin output
 * @param listeners   the listeners to bind
 * @param routeTables RDS route tables by name
 * @param clusters    clusters by name
 * @param endpoints   endpoint sets by cluster name (static clusters carry theirs here too)
 */
public record ProxyConfigSnapshot(String version, List<ListenerSpec> listeners, Map<String, RouteTable> routeTables,
                                  Map<String, ClusterSpec> clusters, Map<String, EndpointSet> endpoints) {

    private static final ProxyConfigSnapshot EMPTY = new ProxyConfigSnapshot("", List.of(), Map.of(), Map.of(),
            Map.of());

    public ProxyConfigSnapshot {
        Validation.notNull(version, "snapshot version");
        listeners = List.copyOf(Validation.notNull(listeners, "snapshot listeners"));
        routeTables = Map.copyOf(Validation.notNull(routeTables, "snapshot route tables"));
        clusters = Map.copyOf(Validation.notNull(clusters, "snapshot clusters"));
        endpoints = Map.copyOf(Validation.notNull(endpoints, "snapshot endpoints"));
        Set<String> names = new HashSet<>();
        for (ListenerSpec listener : listeners) {
            if (!names.add(listener.name())) {
                throw new IllegalArgumentException("snapshot " + version + ": listener " + listener.name()
                        + " appears twice (expected: unique listener names)");
            }
        }
    }

    /** The snapshot before any configuration arrived. */
    public static ProxyConfigSnapshot empty() {
        return EMPTY;
    }

    /** The cluster of that name, or null. */
    public ClusterSpec cluster(String name) {
        return clusters.get(name);
    }

    /** The endpoints of that cluster, or null when none were delivered. */
    public EndpointSet endpointSet(String cluster) {
        return endpoints.get(cluster);
    }

    /** The RDS route table of that name, or null. */
    public RouteTable routeTable(String name) {
        return routeTables.get(name);
    }
}
