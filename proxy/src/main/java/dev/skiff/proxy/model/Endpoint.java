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
 * @param priority       the priority level of its locality, 0 (the most preferred) and up
 * @param localityWeight the load balancing weight of its locality, 0 when the locality has none
 */
public record Endpoint(InetSocketAddress address, int weight, String locality,
                       Map<String, String> transportSocketMetadata, int priority, int localityWeight) {

    public Endpoint {
        Validation.notNull(address, "endpoint address");
        if (weight < 1) {
            throw new IllegalArgumentException("weight of endpoint " + address + ": " + weight + " (expected: >= 1)");
        }
        if (priority < 0) {
            throw new IllegalArgumentException("priority of endpoint " + address + ": " + priority
                    + " (expected: >= 0)");
        }
        if (localityWeight < 0) {
            throw new IllegalArgumentException("locality weight of endpoint " + address + ": " + localityWeight
                    + " (expected: >= 0)");
        }
        locality = locality == null ? "" : locality;
        transportSocketMetadata = transportSocketMetadata == null ? Map.of() : Map.copyOf(transportSocketMetadata);
    }

    /** An endpoint at priority 0 whose locality has no weight. */
    public Endpoint(InetSocketAddress address, int weight, String locality,
                    Map<String, String> transportSocketMetadata) {
        this(address, weight, locality, transportSocketMetadata, 0, 0);
    }

    /** An endpoint without transport socket metadata. */
    public Endpoint(InetSocketAddress address, int weight, String locality) {
        this(address, weight, locality, Map.of());
    }

    /** An endpoint with weight 1 and no locality. */
    public Endpoint(InetSocketAddress address) {
        this(address, 1, "", Map.of(), 0, 0);
    }
}
