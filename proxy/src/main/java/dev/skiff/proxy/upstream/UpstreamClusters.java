package dev.skiff.proxy.upstream;

import dev.skiff.proxy.model.ClusterSpec;
import dev.skiff.proxy.model.Endpoint;
import dev.skiff.proxy.model.EndpointSet;
import dev.skiff.proxy.model.ProxyConfigSnapshot;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The clusters of one snapshot with their hosts. Built from the previous instance so that an unchanged cluster keeps
 * its balancers and an unchanged endpoint keeps its counters.
 */
public final class UpstreamClusters {

    private final Map<String, ClusterRuntime> clusters;
    private final Map<Endpoint, UpstreamHost> hostsByEndpoint;

    private UpstreamClusters(Map<String, ClusterRuntime> clusters, Map<Endpoint, UpstreamHost> hostsByEndpoint) {
        this.clusters = clusters;
        this.hostsByEndpoint = hostsByEndpoint;
    }

    public static UpstreamClusters empty() {
        return new UpstreamClusters(Map.of(), Map.of());
    }

    /**
     * @param snapshot   the new configuration
     * @param previous   the clusters of the previous configuration
     * @param eventLoops how many event loops keep balancers
     */
    public static UpstreamClusters build(ProxyConfigSnapshot snapshot, UpstreamClusters previous, int eventLoops) {
        Map<String, ClusterRuntime> clusters = new HashMap<>();
        Map<Endpoint, UpstreamHost> hosts = new HashMap<>();
        for (ClusterSpec spec : snapshot.clusters().values()) {
            EndpointSet set = snapshot.endpointSet(spec.name());
            List<Endpoint> endpoints = set == null ? List.of() : set.endpoints();
            ClusterRuntime old = previous.clusters.get(spec.name());
            if (old != null && old.spec().equals(spec) && sameEndpoints(old, endpoints)) {
                clusters.put(spec.name(), old);
                for (UpstreamHost host : old.hosts()) {
                    hosts.put(host.endpoint(), host);
                }
                continue;
            }
            List<UpstreamHost> clusterHosts = new ArrayList<>(endpoints.size());
            for (Endpoint endpoint : endpoints) {
                UpstreamHost host = hosts.get(endpoint);
                if (host == null) {
                    host = previous.hostsByEndpoint.get(endpoint);
                }
                if (host == null) {
                    host = new UpstreamHost(endpoint);
                }
                hosts.put(endpoint, host);
                clusterHosts.add(host);
            }
            clusters.put(spec.name(), new ClusterRuntime(spec, clusterHosts, eventLoops, System::nanoTime, old));
        }
        return new UpstreamClusters(Map.copyOf(clusters), Map.copyOf(hosts));
    }

    private static boolean sameEndpoints(ClusterRuntime cluster, List<Endpoint> endpoints) {
        List<UpstreamHost> hosts = cluster.hosts();
        if (hosts.size() != endpoints.size()) {
            return false;
        }
        for (int i = 0; i < hosts.size(); i++) {
            if (!hosts.get(i).endpoint().equals(endpoints.get(i))) {
                return false;
            }
        }
        return true;
    }

    /** The cluster of that name, or null. */
    public ClusterRuntime get(String name) {
        return clusters.get(name);
    }

    public Map<String, ClusterRuntime> all() {
        return clusters;
    }

    /** Runs the outlier detection sweeps that are due; called periodically from one event loop. */
    public void sweepOutliers() {
        for (ClusterRuntime cluster : clusters.values()) {
            OutlierDetector detector = cluster.traffic().outlierDetector();
            if (detector != null) {
                detector.sweepIfDue();
            }
        }
    }
}
