package dev.skiff.proxy.transport;

import io.netty.channel.Channel;

import java.net.InetSocketAddress;

/**
 * Where an accepted connection was originally headed before it was redirected to the listener (for example read
 * with {@code SO_ORIGINAL_DST} after an iptables REDIRECT). Consulted for listeners with {@code useOriginalDst}.
 */
@FunctionalInterface
public interface OriginalDestination {

    /** Without redirection nothing is known beyond the local address. */
    OriginalDestination NONE = channel -> null;

    /** The original destination, or null when the connection was not redirected. */
    InetSocketAddress of(Channel channel);
}
