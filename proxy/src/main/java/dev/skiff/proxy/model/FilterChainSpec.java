package dev.skiff.proxy.model;

import java.util.Set;

/**
 * One filter chain of a listener.
 *
 * @param name            the chain name (for a TCP chain of the outbound listener, the cluster name)
 * @param destinationPort the destination port this chain serves, 0 for any port
 * @param serverNames     SNI server names this chain serves, empty for any
 * @param action          what the chain does with a matched connection
 * @param transportProtocol the transport protocol the chain matches: {@code tls}, {@code raw_buffer}, or empty
 *                          for any
 * @param tls             the TLS the chain terminates, or null for none
 */
public record FilterChainSpec(String name, int destinationPort, Set<String> serverNames, ChainAction action,
                              String transportProtocol, DownstreamTlsSpec tls) {

    /** The transport protocol of a TLS connection, as Envoy's TLS inspector names it. */
    public static final String TLS = "tls";
    /** The transport protocol of a plaintext connection. */
    public static final String RAW_BUFFER = "raw_buffer";

    public FilterChainSpec {
        Validation.notNull(name, "filter chain name");
        Validation.port(destinationPort, "destination port of filter chain " + name);
        serverNames = serverNames == null ? Set.of() : Set.copyOf(serverNames);
        Validation.notNull(action, "action of filter chain " + name);
        transportProtocol = transportProtocol == null ? "" : transportProtocol;
        if (!transportProtocol.isEmpty() && !transportProtocol.equals(TLS) && !transportProtocol.equals(RAW_BUFFER)) {
            throw new IllegalArgumentException("transport_protocol of filter chain " + name + ": '"
                    + transportProtocol + "' (expected: tls, raw_buffer or empty)");
        }
    }

    /** A plaintext chain matching any transport protocol. */
    public FilterChainSpec(String name, int destinationPort, Set<String> serverNames, ChainAction action) {
        this(name, destinationPort, serverNames, action, "", null);
    }

    /** A chain without server name restrictions. */
    public FilterChainSpec(String name, int destinationPort, ChainAction action) {
        this(name, destinationPort, Set.of(), action);
    }
}
