package dev.skiff.proxy.transport;

import dev.skiff.proxy.model.FilterChainSpec;

/**
 * What a downstream connection captured when it was accepted.
 *
 * @param worker     the event loop's worker
 * @param state      the runtime state current at accept time
 * @param listener   the listener (from that state) that accepted the connection
 * @param binding    the socket the connection came from
 * @param fixedChain the chain serving every request, or null when each request picks its chain by its authority
 *                   port (explicit proxying on the outbound listener)
 */
record ConnectionContext(Worker worker, RuntimeState state, ListenerRuntime listener, ListenerBinding binding,
                         FilterChainSpec fixedChain) {

    ConnectionContext withChain(FilterChainSpec chain) {
        return new ConnectionContext(worker, state, listener, binding, chain);
    }
}
