package dev.skiff.controlplane.xds.locality;

import dev.skiff.controlplane.model.Locality;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * The topology labels Istio adds to the labels of workloads and proxies from their locality, so that
 * {@code failoverPriority} can name them.
 */
final class TopologyLabels {
    static final String REGION = "topology.kubernetes.io/region";
    static final String ZONE = "topology.kubernetes.io/zone";
    static final String SUBZONE = "topology.istio.io/subzone";
    static final Set<String> ALL = Set.of(REGION, ZONE, SUBZONE);

    private TopologyLabels() {
    }

    /** The labels with the locality's non-empty parts as topology labels (own labels of those names win). */
    static Map<String, String> with(Map<String, String> labels, Locality locality) {
        Map<String, String> all = new HashMap<>();
        put(all, REGION, locality.region());
        put(all, ZONE, locality.zone());
        put(all, SUBZONE, locality.subzone());
        all.putAll(labels);
        return all;
    }

    private static void put(Map<String, String> labels, String name, String value) {
        if (!value.isEmpty()) {
            labels.put(name, value);
        }
    }
}
