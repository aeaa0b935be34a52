package dev.skiff.proxy.model;

import java.net.InetSocketAddress;
import java.util.Map;

/**
 * One upstream host of a cluster.
 *
 * @param address  the host's address and port
 * @param weight   relative load balancing weight, {@code >= 1}
 * @param locality {@code region/zone/subzone}, empty when unknown
 * @param transportSocketMetadata the endpoint's {@code envoy.transport_socket_match} metadata (such as
 *                                {@code tlsMode: istio}), matched by the cluster's transport socket matches
 */
public record Endpoint(InetSocketAddress address, int weight, String locality,
                       Map<String, String> transportSocketMetadata) {

    public Endpoint {
        Validation.notNull(address, "endpoint address");
        if (weight < 1) {
            throw new IllegalArgumentException("weight of endpoint " + address + ": " + weight + " (expected: >= 1)");
        }
        locality = locality == null ? "" : locality;
        transportSocketMetadata = transportSocketMetadata == null ? Map.of() : Map.copyOf(transportSocketMetadata);
    }

    /** An endpoint without transport socket metadata. */
    public Endpoint(InetSocketAddress address, int weight, String locality) {
        this(address, weight, locality, Map.of());
    }

    /** An endpoint with weight 1 and no locality. */
    public Endpoint(InetSocketAddress address) {
        this(address, 1, "", Map.of());
    }
}
