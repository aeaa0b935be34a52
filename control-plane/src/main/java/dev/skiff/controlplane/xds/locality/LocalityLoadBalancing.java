package dev.skiff.controlplane.xds.locality;

import com.google.protobuf.UInt32Value;
import dev.skiff.api.networking.v1alpha3.DestinationRule;
import dev.skiff.api.networking.v1alpha3.LoadBalancerSettings;
import dev.skiff.api.networking.v1alpha3.LocalityLoadBalancerSetting;
import dev.skiff.api.networking.v1alpha3.Subset;
import dev.skiff.api.networking.v1alpha3.TrafficPolicy;
import dev.skiff.controlplane.model.Locality;
import dev.skiff.controlplane.model.WorkloadInstance;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A DestinationRule's {@code loadBalancer.localityLbSetting} as Istio applies it, per client locality.
 *
 * <p>The setting in force is the DestinationRule's, or, when it has none, the mesh default (enabled, no rules);
 * {@code enabled: false} turns locality load balancing off. With {@code distribute}, the first rule whose
 * {@code from} matches the client's locality gives each matching locality the share its {@code to} entry names
 * (split between the localities one wildcard entry matches by their own weights), localities no entry matches get
 * no endpoints, and the cluster balances by locality weight ({@code locality_weighted_lb_config}). Otherwise, when
 * the cluster has outlier detection (without it a proxy would never leave the first priority), each locality gets
 * a priority by its distance from the client's: 0 for the same region, zone and subzone, 1 for the same zone, 2 for
 * the same region, 3 for another region, and 4 for another region that a {@code failover} rule from the client's
 * region does not name; priorities are then renumbered from 0 without gaps. With {@code failoverPriority}, the
 * labels decide the priorities instead ({@link FailoverPriority}), and {@code failover} rules, when also given,
 * order the localities within each of those levels. A client without a locality gets no locality priorities or
 * weights.
 */
public final class LocalityLoadBalancing {
    private static final String WILDCARD = "*";
    private static final int OTHER_REGION = 3;
    private static final int NOT_FAILOVER_REGION = 4;
    /** Locality distances per label priority: failover after failoverPriority keeps the labels' order first. */
    private static final int LEVELS_PER_PRIORITY = 5;

    private LocalityLoadBalancing() {
    }

    /** The setting that applies to a cluster with this policy: none when locality load balancing is off. */
    static Optional<LocalityLoadBalancerSetting> setting(TrafficPolicy policy) {
        if (!policy.getLoadBalancer().hasLocalityLbSetting()) {
            return Optional.of(LocalityLoadBalancerSetting.getDefaultInstance());
        }
        LocalityLoadBalancerSetting setting = policy.getLoadBalancer().getLocalityLbSetting();
        if (setting.hasEnabled() && !setting.getEnabled().getValue()) {
            return Optional.empty();
        }
        return Optional.of(setting);
    }

    /** Marks a cluster whose policy distributes by locality as balancing by locality weight. */
    public static void applyToCluster(Cluster.Builder cluster, TrafficPolicy policy) {
        if (setting(policy).map(setting -> setting.getDistributeCount() > 0).orElse(false)) {
            cluster.getCommonLbConfigBuilder().setLocalityWeightedLbConfig(
                    Cluster.CommonLbConfig.LocalityWeightedLbConfig.getDefaultInstance());
        }
    }

    /**
     * The assignment as a client placed at {@code client} receives it under {@code policy}.
     *
     * @param instances the instances the assignment was made of, whose labels {@code failoverPriority} matches
     */
    public static ClusterLoadAssignment apply(ClusterLoadAssignment assignment, List<WorkloadInstance> instances,
                                              ClientPlacement client, TrafficPolicy policy) {
        Optional<LocalityLoadBalancerSetting> setting = setting(policy);
        if (setting.isEmpty()) {
            return assignment;
        }
        LocalityLoadBalancerSetting rules = setting.get();
        if (rules.getDistributeCount() > 0) {
            return client.locality().equals(Locality.NONE) ? assignment
                    : distribute(assignment, client.locality(), rules.getDistributeList());
        }
        if (!policy.hasOutlierDetection()) {
            return assignment;
        }
        if (rules.getFailoverPriorityCount() > 0) {
            ClusterLoadAssignment byLabels = FailoverPriority.apply(assignment, instances, client,
                    rules.getFailoverPriorityList());
            return rules.getFailoverCount() > 0 && !client.locality().equals(Locality.NONE)
                    ? failover(byLabels, client.locality(), rules.getFailoverList()) : byLabels;
        }
        return client.locality().equals(Locality.NONE) ? assignment
                : failover(assignment, client.locality(), rules.getFailoverList());
    }

    /** The label names the {@code failoverPriority} lists of a DestinationRule name, at any level. */
    public static Set<String> priorityLabelNames(DestinationRule rule) {
        Set<String> names = new TreeSet<>();
        priorityLabelNames(rule.getTrafficPolicy(), names);
        for (Subset subset : rule.getSubsetsList()) {
            priorityLabelNames(subset.getTrafficPolicy(), names);
        }
        return names;
    }

    private static void priorityLabelNames(TrafficPolicy policy, Set<String> names) {
        List<LoadBalancerSettings> balancers = new ArrayList<>();
        balancers.add(policy.getLoadBalancer());
        for (TrafficPolicy.PortTrafficPolicy port : policy.getPortLevelSettingsList()) {
            balancers.add(port.getLoadBalancer());
        }
        for (LoadBalancerSettings balancer : balancers) {
            for (String entry : balancer.getLocalityLbSetting().getFailoverPriorityList()) {
                names.add(FailoverPriority.labelName(entry));
            }
        }
    }

    private static ClusterLoadAssignment distribute(ClusterLoadAssignment assignment, Locality client,
                                                    List<LocalityLoadBalancerSetting.Distribute> rules) {
        for (LocalityLoadBalancerSetting.Distribute rule : rules) {
            if (matches(client, rule.getFrom())) {
                return distribute(assignment, rule);
            }
        }
        return assignment;
    }

    private static ClusterLoadAssignment distribute(ClusterLoadAssignment assignment,
                                                    LocalityLoadBalancerSetting.Distribute rule) {
        ClusterLoadAssignment.Builder result = assignment.toBuilder();
        int groups = assignment.getEndpointsCount();
        boolean[] matched = new boolean[groups];
        for (Map.Entry<String, Integer> to : new TreeMap<>(rule.getToMap()).entrySet()) {
            long totalWeight = 0;
            List<Integer> targets = new ArrayList<>();
            for (int i = 0; i < groups; i++) {
                if (!matched[i] && matches(locality(assignment.getEndpoints(i)), to.getKey())) {
                    matched[i] = true;
                    targets.add(i);
                    totalWeight += groupWeight(assignment.getEndpoints(i));
                }
            }
            for (int i : targets) {
                long share = (long) Math.ceil((double) groupWeight(assignment.getEndpoints(i)) * to.getValue()
                        / totalWeight);
                result.getEndpointsBuilder(i).setLoadBalancingWeight(UInt32Value.of((int) share));
            }
        }
        for (int i = 0; i < groups; i++) {
            if (!matched[i]) {
                result.getEndpointsBuilder(i).clearLbEndpoints();
            }
        }
        return result.build();
    }

    private static long groupWeight(LocalityLbEndpoints group) {
        return group.hasLoadBalancingWeight() ? group.getLoadBalancingWeight().getValue() : 1;
    }

    private static ClusterLoadAssignment failover(ClusterLoadAssignment assignment, Locality client,
                                                  List<LocalityLoadBalancerSetting.Failover> rules) {
        int groups = assignment.getEndpointsCount();
        int[] priorities = new int[groups];
        TreeSet<Integer> used = new TreeSet<>();
        for (int i = 0; i < groups; i++) {
            Locality endpoints = locality(assignment.getEndpoints(i));
            int priority = distance(client, endpoints);
            if (priority == OTHER_REGION) {
                for (LocalityLoadBalancerSetting.Failover rule : rules) {
                    if (rule.getFrom().equals(client.region())) {
                        if (!endpoints.region().equals(rule.getTo())) {
                            priority = NOT_FAILOVER_REGION;
                        }
                        break;
                    }
                }
            }
            priorities[i] = assignment.getEndpoints(i).getPriority() * LEVELS_PER_PRIORITY + priority;
            used.add(priorities[i]);
        }
        return renumbered(assignment.toBuilder(), priorities, used);
    }

    /** Sets each group's priority to the rank of its level among the levels in use, so levels have no gaps. */
    static ClusterLoadAssignment renumbered(ClusterLoadAssignment.Builder assignment, int[] priorities,
                                           TreeSet<Integer> used) {
        List<Integer> order = List.copyOf(used);
        for (int i = 0; i < priorities.length; i++) {
            assignment.getEndpointsBuilder(i).setPriority(order.indexOf(priorities[i]));
        }
        return assignment.build();
    }

    /** Istio's locality priority: 0 same subzone, 1 same zone, 2 same region, 3 elsewhere. */
    static int distance(Locality client, Locality endpoints) {
        if (!client.region().equals(endpoints.region())) {
            return OTHER_REGION;
        }
        if (!client.zone().equals(endpoints.zone())) {
            return 2;
        }
        return client.subzone().equals(endpoints.subzone()) ? 0 : 1;
    }

    /**
     * Whether a locality matches a rule's {@code region/zone/subzone}, where {@code *} matches any value and
     * missing trailing parts match anything.
     */
    static boolean matches(Locality locality, String rule) {
        String[] parts = rule.split("/", -1);
        return part(parts, 0, locality.region(), false)
                && part(parts, 1, locality.zone(), true)
                && part(parts, 2, locality.subzone(), true);
    }

    private static boolean part(String[] parts, int index, String value, boolean optional) {
        if (index >= parts.length) {
            return optional;
        }
        String expected = parts[index];
        return expected.equals(WILDCARD) || (optional && expected.isEmpty()) || expected.equals(value);
    }

    private static Locality locality(LocalityLbEndpoints group) {
        var locality = group.getLocality();
        return new Locality(locality.getRegion(), locality.getZone(), locality.getSubZone());
    }
}
