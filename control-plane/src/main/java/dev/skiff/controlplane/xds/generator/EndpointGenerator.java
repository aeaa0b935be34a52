package dev.skiff.controlplane.xds.generator;

import com.google.protobuf.UInt32Value;
import dev.skiff.api.networking.v1alpha3.Subset;
import dev.skiff.api.networking.v1alpha3.TrafficPolicy;
import dev.skiff.controlplane.model.DestinationRuleConfig;
import dev.skiff.controlplane.model.Labels;
import dev.skiff.controlplane.model.Locality;
import dev.skiff.controlplane.model.WorkloadInstance;
import dev.skiff.controlplane.xds.locality.ClientPlacement;
import dev.skiff.controlplane.xds.locality.LocalityLoadBalancing;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * {@code ClusterLoadAssignment}s of the outbound clusters: endpoints grouped by locality, each locality weighted
 * with the sum of its endpoints' weights.
 */
public final class EndpointGenerator {
    /**
     * The assignment of the service port's cluster followed by one per subset of its DestinationRule, each holding
     * the instances whose labels match the subset's.
     */
    public List<ClusterLoadAssignment> outbound(OutboundPort target, Optional<DestinationRuleConfig> destinationRule,
                                                List<WorkloadInstance> instances) {
        return outbound(target, destinationRule, instances, ClientPlacement.NONE);
    }

    /**
     * The assignments as a client placed at {@code client} receives them: with the priorities or locality weights
     * of each cluster's locality load balancing ({@link LocalityLoadBalancing}).
     */
    public List<ClusterLoadAssignment> outbound(OutboundPort target, Optional<DestinationRuleConfig> destinationRule,
                                                List<WorkloadInstance> instances, ClientPlacement client) {
        List<ClusterLoadAssignment> assignments = new ArrayList<>();
        TrafficPolicy policy = destinationRule.map(rule -> rule.spec().getTrafficPolicy())
                .orElse(TrafficPolicy.getDefaultInstance());
        assignments.add(LocalityLoadBalancing.apply(assignment(target.clusterName(), instances), instances, client,
                ClusterPolicyGenerator.effective(policy, null, target.number())));
        if (destinationRule.isPresent()) {
            for (Subset subset : destinationRule.get().spec().getSubsetsList()) {
                List<WorkloadInstance> matching = new ArrayList<>();
                for (WorkloadInstance instance : instances) {
                    if (Labels.matches(subset.getLabelsMap(), instance.labels())) {
                        matching.add(instance);
                    }
                }
                assignments.add(LocalityLoadBalancing.apply(assignment(
                        XdsNames.outboundCluster(target.number(), subset.getName(), target.host()), matching),
                        matching, client, ClusterPolicyGenerator.effective(policy, subset.getTrafficPolicy(),
                                target.number())));
            }
        }
        return assignments;
    }

    private static ClusterLoadAssignment assignment(String clusterName, List<WorkloadInstance> instances) {
        Map<Locality, List<WorkloadInstance>> byLocality = new TreeMap<>();
        for (WorkloadInstance instance : instances) {
            byLocality.computeIfAbsent(instance.locality(), locality -> new ArrayList<>()).add(instance);
        }
        ClusterLoadAssignment.Builder assignment = ClusterLoadAssignment.newBuilder().setClusterName(clusterName);
        byLocality.forEach((locality, members) -> {
            LocalityLbEndpoints.Builder group = LocalityLbEndpoints.newBuilder();
            if (!locality.equals(Locality.NONE)) {
                group.setLocality(io.envoyproxy.envoy.config.core.v3.Locality.newBuilder()
                        .setRegion(locality.region())
                        .setZone(locality.zone())
                        .setSubZone(locality.subzone()));
            }
            int totalWeight = 0;
            for (WorkloadInstance member : members) {
                totalWeight += member.weight();
                LbEndpoint.Builder endpoint = LbEndpoint.newBuilder()
                        .setEndpoint(Endpoint.newBuilder()
                                .setAddress(EnvoyProtos.socketAddress(member.address(), member.port())))
                        .setLoadBalancingWeight(UInt32Value.of(member.weight()));
                TransportSocketGenerator.endpointMetadata(member.labels()).ifPresent(endpoint::setMetadata);
                group.addLbEndpoints(endpoint);
            }
            group.setLoadBalancingWeight(UInt32Value.of(totalWeight));
            assignment.addEndpoints(group);
        });
        return assignment.build();
    }
}
