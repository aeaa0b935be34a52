package dev.skiff.proxy.model;

import java.net.InetSocketAddress;
import java.util.List;

/**
 * A listener the proxy binds.
 *
 * @param name           the listener name, e.g. {@code virtualOutbound} or {@code inbound|9080}
 * @param address        the address to bind (port 0 lets the system choose)
 * @param direction      inbound or outbound traffic
 * @param useOriginalDst whether the destination comes from the connection's original destination
 * @param chains         the filter chains, matched by destination port (exact before 0 = any)
 */
public record ListenerSpec(String name, InetSocketAddress address, Direction direction, boolean useOriginalDst,
                           List<FilterChainSpec> chains) {

    public ListenerSpec {
        Validation.notBlank(name, "listener name");
        Validation.notNull(address, "address of listener " + name);
        Validation.notNull(direction, "direction of listener " + name);
        Validation.notNull(chains, "filter chains of listener " + name);
        chains = List.copyOf(chains);
    }
}
