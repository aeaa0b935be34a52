package dev.skiff.controlplane.xds.generator;

import dev.skiff.api.networking.v1alpha3.Subset;
import dev.skiff.api.networking.v1alpha3.TrafficPolicy;
import dev.skiff.controlplane.model.DestinationRuleConfig;
import dev.skiff.controlplane.xds.locality.LocalityLoadBalancing;
import dev.skiff.controlplane.xds.warmup.WarmupGenerator;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Clusters: {@code outbound|<port>|<subset>|<host>} (EDS over ADS) for every reachable service port and
 * DestinationRule subset, and {@code inbound|<port>||} (STATIC, the local application) for a sidecar's own ports.
 * Every cluster carries Istio's circuit breakers; outbound clusters the connection pool and outlier detection of
 * their DestinationRule ({@link ClusterPolicyGenerator}).
 */
public final class ClusterGenerator {
    /** Connect timeout of every cluster. */
    public static final long CONNECT_TIMEOUT_SECONDS = 10;

    /**
     * The cluster of one service port followed by one cluster per subset of its DestinationRule.
     *
     * @param destinationRule the DestinationRule the proxy sees for the host, if any
     */
    public List<Cluster> outbound(OutboundPort target, Optional<DestinationRuleConfig> destinationRule) {
        List<Cluster> clusters = new ArrayList<>();
        TrafficPolicy policy = destinationRule.map(rule -> rule.spec().getTrafficPolicy())
                .orElse(TrafficPolicy.getDefaultInstance());
        clusters.add(outbound(target, "", ClusterPolicyGenerator.effective(policy, null, target.number())));
        if (destinationRule.isPresent()) {
            for (Subset subset : destinationRule.get().spec().getSubsetsList()) {
                clusters.add(outbound(target, subset.getName(),
                        ClusterPolicyGenerator.effective(policy, subset.getTrafficPolicy(), target.number())));
            }
        }
        return clusters;
    }

    private static Cluster outbound(OutboundPort target, String subset, TrafficPolicy trafficPolicy) {
        String name = XdsNames.outboundCluster(target.number(), subset, target.host());
        Cluster.Builder cluster = Cluster.newBuilder()
                .setName(name)
                .setType(Cluster.DiscoveryType.EDS)
                .setEdsClusterConfig(Cluster.EdsClusterConfig.newBuilder()
                        .setEdsConfig(EnvoyProtos.ads())
                        .setServiceName(name))
                .setConnectTimeout(EnvoyProtos.seconds(CONNECT_TIMEOUT_SECONDS));
        LoadBalancerGenerator.apply(cluster, trafficPolicy);
        WarmupGenerator.apply(cluster, trafficPolicy);
        if (target.port().protocol().isHttp2()) {
            cluster.putAllTypedExtensionProtocolOptions(EnvoyProtos.http2ProtocolOptions());
        }
        ClusterPolicyGenerator.apply(cluster, trafficPolicy);
        LocalityLoadBalancing.applyToCluster(cluster, trafficPolicy);
        return cluster.build();
    }

    /** One STATIC cluster per inbound port, pointing at the local application. */
    public List<Cluster> inbound(List<InboundPort> ports) {
        List<Cluster> clusters = new ArrayList<>(ports.size());
        for (InboundPort port : ports) {
            String name = port.clusterName();
            Cluster.Builder cluster = Cluster.newBuilder()
                    .setName(name)
                    .setType(Cluster.DiscoveryType.STATIC)
                    .setConnectTimeout(EnvoyProtos.seconds(CONNECT_TIMEOUT_SECONDS))
                    .setLbPolicy(Cluster.LbPolicy.ROUND_ROBIN)
                    .setLoadAssignment(ClusterLoadAssignment.newBuilder()
                            .setClusterName(name)
                            .addEndpoints(LocalityLbEndpoints.newBuilder()
                                    .addLbEndpoints(LbEndpoint.newBuilder()
                                            .setEndpoint(Endpoint.newBuilder().setAddress(
                                                    EnvoyProtos.socketAddress(port.endpointHost(),
                                                            port.endpointPort()))))));
            if (port.protocol().isHttp2()) {
                cluster.putAllTypedExtensionProtocolOptions(EnvoyProtos.http2ProtocolOptions());
            }
            ClusterPolicyGenerator.apply(cluster, TrafficPolicy.getDefaultInstance());
            clusters.add(cluster.build());
        }
        return clusters;
    }
}
