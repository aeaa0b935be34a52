package dev.skiff.proxy.telemetry.tracing;

import dev.skiff.proxy.model.Endpoint;
import dev.skiff.proxy.model.EndpointSet;
import dev.skiff.proxy.model.ProxyConfigSnapshot;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * The endpoints of a collector's cluster in the configuration in force, taken in turn: each call gives the next
 * one, so batches spread over the collector's instances. Called by one exporter thread only.
 */
final class ClusterEndpoints implements Supplier<InetSocketAddress> {
    private final Supplier<ProxyConfigSnapshot> snapshot;
    private final String cluster;
    private int next;

    ClusterEndpoints(Supplier<ProxyConfigSnapshot> snapshot, String cluster) {
        this.snapshot = Objects.requireNonNull(snapshot, "snapshot");
        this.cluster = Objects.requireNonNull(cluster, "cluster");
    }

    /** The next endpoint of the cluster, null when it has none (or the configuration does not have it). */
    @Override
    public InetSocketAddress get() {
        EndpointSet set = snapshot.get().endpoints().get(cluster);
        if (set == null || set.endpoints().isEmpty()) {
            return null;
        }
        List<Endpoint> endpoints = set.endpoints();
        next = (next + 1) % endpoints.size();
        return endpoints.get(next).address();
    }
}
