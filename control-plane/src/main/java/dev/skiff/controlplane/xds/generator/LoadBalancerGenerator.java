package dev.skiff.controlplane.xds.generator;

import com.google.protobuf.UInt64Value;
import dev.skiff.api.networking.v1alpha3.LoadBalancerSettings;
import dev.skiff.api.networking.v1alpha3.TrafficPolicy;
import dev.skiff.controlplane.model.DestinationRuleConfig;
import dev.skiff.controlplane.model.MeshSnapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;

import java.util.Objects;
import java.util.Optional;

/**
 * A DestinationRule's {@code loadBalancer} as Istio writes it: {@code simple} gives the cluster's {@code lb_policy}
 * (LEAST_CONN is LEAST_REQUEST; PASSTHROUGH, which needs original-destination clusters, stays ROUND_ROBIN);
 * {@code consistentHash} gives RING_HASH ({@code minimumRingSize}, or Envoy's 1024 when neither algorithm is named)
 * or MAGLEV ({@code tableSize}) on the cluster, and the route's {@code hash_policy} (header, cookie with path and
 * ttl, source IP or query parameter) on the routes to it.
 */
final class LoadBalancerGenerator {

    private static final long ENVOY_MINIMUM_RING_SIZE = 1024;

    private LoadBalancerGenerator() {
    }

    /** Sets the cluster's balancer from the policy that applies to it. */
    static void apply(Cluster.Builder cluster, TrafficPolicy policy) {
        LoadBalancerSettings settings = policy.getLoadBalancer();
        switch (settings.getLbPolicyCase()) {
            case SIMPLE -> cluster.setLbPolicy(switch (settings.getSimple()) {
                case LEAST_REQUEST, LEAST_CONN -> Cluster.LbPolicy.LEAST_REQUEST;
                case RANDOM -> Cluster.LbPolicy.RANDOM;
                default -> Cluster.LbPolicy.ROUND_ROBIN;
            });
            case CONSISTENT_HASH -> consistentHash(cluster, settings.getConsistentHash());
            case LBPOLICY_NOT_SET -> cluster.setLbPolicy(Cluster.LbPolicy.ROUND_ROBIN);
        }
    }

    private static void consistentHash(Cluster.Builder cluster, LoadBalancerSettings.ConsistentHashLB hash) {
        if (hash.hasMaglev()) {
            cluster.setLbPolicy(Cluster.LbPolicy.MAGLEV);
            if (hash.getMaglev().getTableSize() != 0) {
                cluster.setMaglevLbConfig(Cluster.MaglevLbConfig.newBuilder()
                        .setTableSize(UInt64Value.of(hash.getMaglev().getTableSize())));
            }
        } else if (hash.hasRingHash()) {
            cluster.setLbPolicy(Cluster.LbPolicy.RING_HASH);
            if (hash.getRingHash().getMinimumRingSize() != 0) {
                cluster.setRingHashLbConfig(Cluster.RingHashLbConfig.newBuilder()
                        .setMinimumRingSize(UInt64Value.of(hash.getRingHash().getMinimumRingSize())));
            }
        } else {
            long size = hash.getMinimumRingSize() != 0 ? hash.getMinimumRingSize() : ENVOY_MINIMUM_RING_SIZE;
            cluster.setLbPolicy(Cluster.LbPolicy.RING_HASH)
                    .setRingHashLbConfig(Cluster.RingHashLbConfig.newBuilder().setMinimumRingSize(UInt64Value.of(size)));
        }
    }

    /**
     * Adds the hash policy of the route's destination cluster (with several weighted clusters: theirs when they
     * all agree), looking up each cluster's DestinationRule as the proxy sees it.
     */
    static void applyHashPolicy(RouteAction.Builder action, MeshSnapshot mesh, String proxyNamespace) {
        Optional<RouteAction.HashPolicy> policy;
        if (action.hasWeightedClusters()) {
            WeightedCluster weighted = action.getWeightedClusters();
            policy = Optional.empty();
            for (int i = 0; i < weighted.getClustersCount(); i++) {
                Optional<RouteAction.HashPolicy> next = hashPolicy(weighted.getClusters(i).getName(), mesh,
                        proxyNamespace);
                if (next.isEmpty() || (i > 0 && !Objects.equals(policy, next))) {
                    return;
                }
                policy = next;
            }
        } else {
            policy = hashPolicy(action.getCluster(), mesh, proxyNamespace);
        }
        policy.ifPresent(action::addHashPolicy);
    }

    private static Optional<RouteAction.HashPolicy> hashPolicy(String clusterName, MeshSnapshot mesh,
                                                               String proxyNamespace) {
        String[] parts = clusterName.split("\\|", -1);
        if (parts.length != 4 || !parts[0].equals("outbound")) {
            return Optional.empty();
        }
        int port;
        try {
            port = Integer.parseInt(parts[1]);
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        String subsetName = parts[2];
        Optional<DestinationRuleConfig> rule = mesh.destinationRule(parts[3], proxyNamespace);
        if (rule.isEmpty()) {
            return Optional.empty();
        }
        TrafficPolicy subsetPolicy = null;
        if (!subsetName.isEmpty()) {
            for (var subset : rule.get().spec().getSubsetsList()) {
                if (subset.getName().equals(subsetName)) {
                    subsetPolicy = subset.getTrafficPolicy();
                }
            }
        }
        TrafficPolicy effective = ClusterPolicyGenerator.effective(rule.get().spec().getTrafficPolicy(), subsetPolicy,
                port);
        if (!effective.getLoadBalancer().hasConsistentHash()) {
            return Optional.empty();
        }
        return toHashPolicy(effective.getLoadBalancer().getConsistentHash());
    }

    private static Optional<RouteAction.HashPolicy> toHashPolicy(LoadBalancerSettings.ConsistentHashLB hash) {
        RouteAction.HashPolicy.Builder policy = RouteAction.HashPolicy.newBuilder();
        switch (hash.getHashKeyCase()) {
            case HTTP_HEADER_NAME -> policy.setHeader(RouteAction.HashPolicy.Header.newBuilder()
                    .setHeaderName(hash.getHttpHeaderName()));
            case HTTP_COOKIE -> {
                var cookie = hash.getHttpCookie();
                RouteAction.HashPolicy.Cookie.Builder envoy = RouteAction.HashPolicy.Cookie.newBuilder()
                        .setName(cookie.getName())
                        .setPath(cookie.getPath());
                if (cookie.hasTtl()) {
                    envoy.setTtl(cookie.getTtl());
                }
                policy.setCookie(envoy);
            }
            case USE_SOURCE_IP -> policy.setConnectionProperties(RouteAction.HashPolicy.ConnectionProperties
                    .newBuilder().setSourceIp(hash.getUseSourceIp()));
            case HTTP_QUERY_PARAMETER_NAME -> policy.setQueryParameter(RouteAction.HashPolicy.QueryParameter
                    .newBuilder().setName(hash.getHttpQueryParameterName()));
            case HASHKEY_NOT_SET -> {
                return Optional.empty();
            }
        }
        return Optional.of(policy.build());
    }
}
