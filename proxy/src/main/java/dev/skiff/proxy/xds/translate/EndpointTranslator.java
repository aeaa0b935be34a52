package dev.skiff.proxy.xds.translate;

import dev.skiff.proxy.model.Endpoint;
import dev.skiff.proxy.model.EndpointSet;
import io.envoyproxy.envoy.config.core.v3.HealthStatus;
import io.envoyproxy.envoy.config.core.v3.Locality;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code ClusterLoadAssignment} to {@link EndpointSet}. Localities are flattened into each endpoint's
 * {@code region/zone/subzone}, priority (levels from 0 without gaps) and locality weight; endpoints whose health
 * status is UNHEALTHY, DRAINING or TIMEOUT are left out, as Envoy never sends requests to them; weights default
 * to 1.
 */
public final class EndpointTranslator {
    private static final Set<String> ASSIGNMENT_FIELDS = Set.of("cluster_name", "endpoints", "policy");
    private static final Set<String> POLICY_FIELDS = Set.of("overprovisioning_factor");
    private static final Set<String> LOCALITY_FIELDS = Set.of("locality", "lb_endpoints", "load_balancing_weight",
            "priority");
    private static final Set<String> LB_ENDPOINT_FIELDS = Set.of("endpoint", "health_status", "load_balancing_weight");
    private static final Set<String> ENDPOINT_FIELDS = Set.of("address");
    private static final Set<String> METADATA = Set.of("metadata");
    private static final Set<String> ENDPOINT_IGNORED = Set.of("hostname", "health_check_config");
    /** The deepest level accepted: one this deep needs as many localities before it (levels have no gaps). */
    private static final int MAX_PRIORITY = 127;

    /**
     * Translates the endpoints a cluster gets from this assignment.
     *
     * @param assignment the load assignment (from EDS, or a STATIC cluster's {@code load_assignment})
     * @param cluster    the cluster the endpoint set is for; an EDS service may back more than one cluster
     */
    public EndpointSet translate(ClusterLoadAssignment assignment, String cluster) throws TranslationException {
        String where = "cluster_load_assignment " + assignment.getClusterName();
        Messages.requireOnly(assignment, where, ASSIGNMENT_FIELDS, Set.of());
        if (assignment.hasPolicy()) {
            Messages.requireOnly(assignment.getPolicy(), where + ": policy", Set.of(), POLICY_FIELDS);
        }
        List<Endpoint> endpoints = new ArrayList<>();
        BitSet priorities = new BitSet();
        for (LocalityLbEndpoints group : assignment.getEndpointsList()) {
            String locality = locality(group.getLocality());
            String groupWhere = where + ": locality '" + locality + "'";
            Messages.requireOnly(group, groupWhere, LOCALITY_FIELDS, METADATA);
            int priority = priority(group, groupWhere);
            priorities.set(priority);
            int localityWeight = localityWeight(group, groupWhere);
            for (LbEndpoint lbEndpoint : group.getLbEndpointsList()) {
                Endpoint endpoint = endpoint(lbEndpoint, locality, priority, localityWeight, groupWhere);
                if (endpoint != null) {
                    endpoints.add(endpoint);
                }
            }
        }
        if (priorities.nextClearBit(0) != priorities.length()) {
            throw new TranslationException(where + ": priorities " + priorities + " skip "
                    + priorities.nextClearBit(0) + " (expected: priorities from 0 without gaps)");
        }
        return Messages.build(where, () -> new EndpointSet(cluster, endpoints));
    }

    private static int priority(LocalityLbEndpoints group, String where) throws TranslationException {
        long priority = Integer.toUnsignedLong(group.getPriority());
        if (priority > MAX_PRIORITY) {
            throw new TranslationException(where + ": priority " + priority + " (expected: 0.." + MAX_PRIORITY + ")");
        }
        return (int) priority;
    }

    private static int localityWeight(LocalityLbEndpoints group, String where) throws TranslationException {
        if (!group.hasLoadBalancingWeight()) {
            return 0;
        }
        long weight = Integer.toUnsignedLong(group.getLoadBalancingWeight().getValue());
        if (weight < 1 || weight > Integer.MAX_VALUE) {
            throw new TranslationException(where + ": load_balancing_weight " + weight + " (expected: 1.."
                    + Integer.MAX_VALUE + ")");
        }
        return (int) weight;
    }

    private static Endpoint endpoint(LbEndpoint lbEndpoint, String locality, int priority, int localityWeight,
                                     String where) throws TranslationException {
        Messages.requireOnly(lbEndpoint, where + ": lb_endpoint", LB_ENDPOINT_FIELDS, METADATA);
        if (!lbEndpoint.hasEndpoint()) {
            throw new TranslationException(where + ": lb_endpoint without endpoint (expected: endpoint with an address)");
        }
        var endpoint = lbEndpoint.getEndpoint();
        Messages.requireOnly(endpoint, where + ": endpoint", ENDPOINT_FIELDS, ENDPOINT_IGNORED);
        InetSocketAddress address = Addresses.socketAddress(endpoint.getAddress(), where + ": endpoint");
        String endpointWhere = where + ": endpoint " + address.getAddress().getHostAddress() + ":" + address.getPort();
        if (address.getPort() == 0) {
            throw new TranslationException(endpointWhere + ": port 0 (expected: 1..65535)");
        }
        HealthStatus health = lbEndpoint.getHealthStatus();
        switch (health) {
            case UNHEALTHY, DRAINING, TIMEOUT -> {
                return null;
            }
            case UNKNOWN, HEALTHY, DEGRADED -> {
            }
            default -> throw new TranslationException(endpointWhere + ": health_status " + health
                    + " (expected: UNKNOWN, HEALTHY, UNHEALTHY, DRAINING, TIMEOUT or DEGRADED)");
        }
        int weight = 1;
        if (lbEndpoint.hasLoadBalancingWeight()) {
            long value = Integer.toUnsignedLong(lbEndpoint.getLoadBalancingWeight().getValue());
            if (value < 1 || value > Integer.MAX_VALUE) {
                throw new TranslationException(endpointWhere + ": load_balancing_weight " + value
                        + " (expected: 1.." + Integer.MAX_VALUE + ")");
            }
            weight = (int) value;
        }
        int endpointWeight = weight;
        Map<String, String> socketMatch = TransportSocketTranslator.endpointMatchMetadata(lbEndpoint.getMetadata(),
                endpointWhere);
        return Messages.build(endpointWhere, () -> new Endpoint(address, endpointWeight, locality, socketMatch,
                priority, localityWeight));
    }

    private static String locality(Locality locality) {
        if (locality.getRegion().isEmpty() && locality.getZone().isEmpty() && locality.getSubZone().isEmpty()) {
            return "";
        }
        return locality.getRegion() + "/" + locality.getZone() + "/" + locality.getSubZone();
    }
}
