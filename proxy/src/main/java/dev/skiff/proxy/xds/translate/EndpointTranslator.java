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
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code ClusterLoadAssignment} to {@link EndpointSet}. Localities are flattened into each endpoint's
 * {@code region/zone/subzone}; endpoints whose health status is UNHEALTHY, DRAINING or TIMEOUT are left out, as Envoy
 * never sends requests to them; weights default to 1.
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
        for (LocalityLbEndpoints group : assignment.getEndpointsList()) {
            String locality = locality(group.getLocality());
            String groupWhere = where + ": locality '" + locality + "'";
            Messages.requireOnly(group, groupWhere, LOCALITY_FIELDS, METADATA);
            if (group.getPriority() != 0) {
                throw new TranslationException(groupWhere + ": priority " + group.getPriority()
                        + " unsupported (expected: 0, priority failover is not implemented)");
            }
            for (LbEndpoint lbEndpoint : group.getLbEndpointsList()) {
                Endpoint endpoint = endpoint(lbEndpoint, locality, groupWhere);
                if (endpoint != null) {
                    endpoints.add(endpoint);
                }
            }
        }
        return Messages.build(where, () -> new EndpointSet(cluster, endpoints));
    }

    private static Endpoint endpoint(LbEndpoint lbEndpoint, String locality, String where) throws TranslationException {
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
        return Messages.build(endpointWhere, () -> new Endpoint(address, endpointWeight, locality, socketMatch));
    }

    private static String locality(Locality locality) {
        if (locality.getRegion().isEmpty() && locality.getZone().isEmpty() && locality.getSubZone().isEmpty()) {
            return "";
        }
        return locality.getRegion() + "/" + locality.getZone() + "/" + locality.getSubZone();
    }
}
