package dev.skiff.controlplane.xds.locality;

import com.google.protobuf.UInt32Value;
import dev.skiff.controlplane.model.WorkloadInstance;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A {@code localityLbSetting.failoverPriority} list as Istio applies it: an endpoint whose labels (with the
 * topology labels of its locality) agree with the client's on every listed label gets priority 0; one that first
 * disagrees on the j-th of n labels gets n - j, so agreeing on more of the leading labels ranks higher. An entry
 * {@code name=value} compares the endpoint's label with that value instead of the client's. Each locality is split
 * into one group per priority (weighted by its endpoints' weights), and priorities are renumbered without gaps.
 */
final class FailoverPriority {
    private static final char OVERRIDE = '=';

    private FailoverPriority() {
    }

    /** The label an entry names: the part before {@code =}, if any. */
    static String labelName(String entry) {
        int equals = entry.indexOf(OVERRIDE);
        return equals < 0 ? entry : entry.substring(0, equals);
    }

    static ClusterLoadAssignment apply(ClusterLoadAssignment assignment, List<WorkloadInstance> instances,
                                       ClientPlacement client, List<String> entries) {
        Map<String, Map<String, String>> labelsByAddress = new HashMap<>();
        for (WorkloadInstance instance : instances) {
            labelsByAddress.put(instance.address() + ":" + instance.port(),
                    TopologyLabels.with(instance.labels(), instance.locality()));
        }
        List<String> names = new ArrayList<>(entries.size());
        List<String> expected = new ArrayList<>(entries.size());
        for (String entry : entries) {
            String name = labelName(entry);
            names.add(name);
            expected.add(name.length() < entry.length() ? entry.substring(name.length() + 1)
                    : client.priorityLabels().getOrDefault(name, ""));
        }
        ClusterLoadAssignment.Builder result = assignment.toBuilder().clearEndpoints();
        List<Integer> priorities = new ArrayList<>();
        for (LocalityLbEndpoints group : assignment.getEndpointsList()) {
            Map<Integer, List<LbEndpoint>> byPriority = new TreeMap<>();
            for (LbEndpoint endpoint : group.getLbEndpointsList()) {
                Map<String, String> labels = labelsByAddress.getOrDefault(key(endpoint), Map.of());
                byPriority.computeIfAbsent(priority(labels, names, expected), p -> new ArrayList<>()).add(endpoint);
            }
            byPriority.forEach((priority, endpoints) -> {
                int weight = 0;
                for (LbEndpoint endpoint : endpoints) {
                    weight += endpoint.getLoadBalancingWeight().getValue();
                }
                result.addEndpoints(group.toBuilder().clearLbEndpoints().addAllLbEndpoints(endpoints)
                        .setLoadBalancingWeight(UInt32Value.of(weight)));
                priorities.add(priority);
            });
        }
        int[] levels = new int[priorities.size()];
        for (int i = 0; i < levels.length; i++) {
            levels[i] = priorities.get(i);
        }
        return LocalityLoadBalancing.renumbered(result, levels, new TreeSet<>(priorities));
    }

    private static int priority(Map<String, String> labels, List<String> names, List<String> expected) {
        for (int j = 0; j < names.size(); j++) {
            if (!expected.get(j).equals(labels.getOrDefault(names.get(j), ""))) {
                return names.size() - j;
            }
        }
        return 0;
    }

    private static String key(LbEndpoint endpoint) {
        SocketAddress address = endpoint.getEndpoint().getAddress().getSocketAddress();
        return address.getAddress() + ":" + address.getPortValue();
    }
}
