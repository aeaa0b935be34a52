package dev.skiff.proxy.upstream;

import dev.skiff.proxy.model.TcpKeepaliveSpec;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.nio.NioChannelOption;
import jdk.net.ExtendedSocketOptions;

/** Socket options of upstream connections from a cluster's {@code upstream_connection_options}. */
final class UpstreamSocketOptions {

    private UpstreamSocketOptions() {
    }

    /**
     * Turns TCP keepalive on for connections made by {@code bootstrap}, with the probe count, idle time and interval
     * the spec gives (0 keeps the operating system's value).
     *
     * @param keepalive the cluster's keepalive, or null to leave the socket as it is
     */
    static Bootstrap apply(Bootstrap bootstrap, TcpKeepaliveSpec keepalive) {
        if (keepalive == null) {
            return bootstrap;
        }
        bootstrap.option(ChannelOption.SO_KEEPALIVE, true);
        if (keepalive.probes() > 0) {
            bootstrap.option(NioChannelOption.of(ExtendedSocketOptions.TCP_KEEPCOUNT), keepalive.probes());
        }
        if (keepalive.timeSeconds() > 0) {
            bootstrap.option(NioChannelOption.of(ExtendedSocketOptions.TCP_KEEPIDLE), keepalive.timeSeconds());
        }
        if (keepalive.intervalSeconds() > 0) {
            bootstrap.option(NioChannelOption.of(ExtendedSocketOptions.TCP_KEEPINTERVAL),
                    keepalive.intervalSeconds());
        }
        return bootstrap;
    }
}
