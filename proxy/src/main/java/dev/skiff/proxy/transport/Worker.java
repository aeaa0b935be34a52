package dev.skiff.proxy.transport;

import dev.skiff.proxy.filter.RequestListener;
import dev.skiff.proxy.filter.RouterFilter;
import dev.skiff.proxy.upstream.UpstreamPools;
import io.netty.channel.EventLoop;

/**
 * What belongs to one event loop: its router (with its own random generator and balancer slot) and its upstream
 * connection pools. Used only from that loop.
 */
public record Worker(int index, EventLoop eventLoop, RouterFilter router, UpstreamPools pools,
                     RequestListener requestListener) {
}
