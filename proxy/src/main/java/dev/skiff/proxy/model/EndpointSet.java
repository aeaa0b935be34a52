package dev.skiff.proxy.model;

import java.util.List;

/**
 * The endpoints of one cluster.
 *
 * @param cluster   the cluster name
 * @param endpoints the endpoints, possibly none
 */
public record EndpointSet(String cluster, List<Endpoint> endpoints) {

    public EndpointSet {
        Validation.notBlank(cluster, "endpoint set cluster name");
        endpoints = List.copyOf(Validation.notNull(endpoints, "endpoints of cluster " + cluster));
    }
}
