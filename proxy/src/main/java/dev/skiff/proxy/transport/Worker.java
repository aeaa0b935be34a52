package dev.skiff.proxy.transport;

import dev.skiff.proxy.filter.RequestListener;
import dev.skiff.proxy.filter.RouterFilter;
import dev.skiff.proxy.peerexchange.PeerExchange;
import dev.skiff.proxy.upstream.UpstreamPools;
import io.netty.channel.EventLoop;

/**
 * What belongs to one event loop: its router (with its own random generator and balancer slot) and its upstream
 * connection pools. Used only from that loop. {@code peerExchange} is the sidecar's preface for Istio's TCP
 * metadata exchange (shared by every loop).
 */
public record Worker(int index, EventLoop eventLoop, RouterFilter router, UpstreamPools pools,
                     RequestListener requestListener, PeerExchange peerExchange) {

    /** A worker whose TCP metadata exchange sends no local metadata. */
    public Worker(int index, EventLoop eventLoop, RouterFilter router, UpstreamPools pools,
                  RequestListener requestListener) {
        this(index, eventLoop, router, pools, requestListener, PeerExchange.NONE);
    }
}
