package dev.skiff.proxy.model;

import java.util.Set;

/**
 * One filter chain of a listener.
 *
 * @param name            the chain name (for a TCP chain of the outbound listener, the cluster name)
 * @param destinationPort the destination port this chain serves, 0 for any port
 * @param serverNames     SNI server names this chain serves, empty for any
 * @param action          what the chain does with a matched connection
 */
public record FilterChainSpec(String name, int destinationPort, Set<String> serverNames, ChainAction action) {

    public FilterChainSpec {
        Validation.notNull(name, "filter chain name");
        Validation.port(destinationPort, "destination port of filter chain " + name);
        serverNames = serverNames == null ? Set.of() : Set.copyOf(serverNames);
        Validation.notNull(action, "action of filter chain " + name);
    }

    /** A chain without server name restrictions. */
    public FilterChainSpec(String name, int destinationPort, ChainAction action) {
        this(name, destinationPort, Set.of(), action);
    }
}
