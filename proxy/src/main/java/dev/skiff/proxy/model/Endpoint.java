package dev.skiff.proxy.model;

import java.net.InetSocketAddress;

/**
 * One upstream host of a cluster.
 *
 * @param address  the host's address and port
 * @param weight   relative load balancing weight, {@code >= 1}
 * @param locality {@code region/zone/subzone}, empty when unknown
 */
public record Endpoint(InetSocketAddress address, int weight, String locality) {

    public Endpoint {
        Validation.notNull(address, "endpoint address");
        if (weight < 1) {
            throw new IllegalArgumentException("weight of endpoint " + address + ": " + weight + " (expected: >= 1)");
        }
        locality = locality == null ? "" : locality;
    }

    /** An endpoint with weight 1 and no locality. */
    public Endpoint(InetSocketAddress address) {
        this(address, 1, "");
    }
}
