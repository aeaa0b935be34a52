package dev.skiff.proxy.transport;

import dev.skiff.proxy.model.FilterChainSpec;

import java.util.function.Supplier;

/**
 * What a downstream connection captured when it was accepted: its listener (filter chains and inline routes) as
 * configured at accept time. Each request reads the live state once, at its start, for RDS route tables and
 * clusters, so that route and endpoint updates reach long-lived keep-alive connections as they do in Envoy.
 *
 * @param worker     the event loop's worker
 * @param live       the runtime state in force
 * @param listener   the listener, as configured at accept time, that accepted the connection
 * @param binding    the socket the connection came from
 * @param fixedChain the chain serving every request, or null when each request picks its chain by its authority
 *                   port (explicit proxying on the outbound listener)
 */
record ConnectionContext(Worker worker, Supplier<RuntimeState> live, ListenerRuntime listener, ListenerBinding binding,
                         FilterChainSpec fixedChain) {

    ConnectionContext withChain(FilterChainSpec chain) {
        return new ConnectionContext(worker, live, listener, binding, chain);
    }
}
