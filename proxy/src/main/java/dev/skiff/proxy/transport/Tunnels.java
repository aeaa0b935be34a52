package dev.skiff.proxy.transport;

import dev.skiff.proxy.filter.RequestContext;
import dev.skiff.proxy.model.UpstreamTlsSpec;
import dev.skiff.proxy.peerexchange.PeerExchange;
import dev.skiff.proxy.peerexchange.PeerExchangeHandler;
import dev.skiff.proxy.telemetry.ConnectionDetails;
import dev.skiff.proxy.upstream.UpstreamHost;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandler;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;

import java.util.ArrayDeque;
import java.util.function.Consumer;

/** Opens raw upstream connections and joins two channels into a byte tunnel. */
final class Tunnels {

    /** The name of the downstream relay handler that {@link #link} installs. */
    static final String RELAY = "relay";

    private Tunnels() {
    }

    /**
     * Connects to {@code host} on the worker's event loop without reading yet, over TLS when {@code tls} is not null
     * (the cluster's transport socket for that endpoint: Istio's mutual TLS inside the mesh); the outcome goes to
     * one of the callbacks on that loop. The connection is handed over once the handshake succeeded, a failed
     * handshake is a connection failure. With {@code metadataExchange} (the cluster's {@code istio.metadata_exchange}
     * filter) and a handshake that negotiated {@code istio-peer-exchange}, it is handed over once the server's
     * sidecar sent its metadata ({@link PeerExchange#peerOf(Channel)}), which must come within the connect timeout.
     */
    static void connect(Worker worker, UpstreamHost host, UpstreamTlsSpec tls, boolean metadataExchange,
                        int connectTimeoutMillis, Consumer<Channel> onConnected, Consumer<Throwable> onFailure) {
        SslHandler ssl;
        try {
            ssl = tls == null ? null
                    : worker.pools().tlsFactory().newHandler(tls, ByteBufAllocator.DEFAULT, host.address());
        } catch (IllegalStateException e) {
            host.connectFailed();
            onFailure.accept(e);
            return;
        }
        Bootstrap bootstrap = worker.pools().bootstrap().clone()
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMillis)
                .option(ChannelOption.AUTO_READ, false)
                .handler(new ConnectionCounter(host, ssl));
        ChannelFuture connect = bootstrap.connect(host.address());
        connect.addListener((ChannelFutureListener) future -> {
            if (future.isSuccess() && ssl != null) {
                ssl.handshakeFuture().addListener(handshake -> {
                    if (handshake.isSuccess() && metadataExchange && PeerExchangeHandler.negotiated(ssl)) {
                        PeerExchangeHandler.upstream(future.channel(), worker.peerExchange(), connectTimeoutMillis,
                                onConnected, cause -> {
                                    host.connectFailed();
                                    onFailure.accept(cause);
                                });
                    } else if (handshake.isSuccess()) {
                        onConnected.accept(future.channel());
                    } else {
                        host.connectFailed();
                        future.channel().close();
                        onFailure.accept(handshake.cause());
                    }
                });
            } else if (future.isSuccess()) {
                onConnected.accept(future.channel());
            } else {
                host.connectFailed();
                onFailure.accept(future.cause());
            }
        });
    }

    /**
     * Joins the downstream channel (whose handler named {@code downstreamHandler} is replaced) and a raw upstream
     * channel; everything else left in the downstream pipeline after that handler stays.
     */
    static void link(Channel downstream, ChannelHandler downstreamHandler, Channel upstream,
                     TunnelCompletion completion) {
        upstream.pipeline().addLast(new RelayHandler(downstream, completion, false));
        downstream.pipeline().replace(downstreamHandler, RELAY, new RelayHandler(upstream, completion, true));
    }

    /**
     * Counts a tunnel as opened once its upstream is connected, so the metrics know the upstream connection's
     * identities and, after a metadata exchange, the server's workload.
     */
    static void opened(Worker worker, RequestContext context, Channel upstream) {
        context.upstreamConnection(ConnectionDetails.of(upstream));
        String peer = PeerExchange.peerOf(upstream);
        if (!peer.isEmpty()) {
            context.peerMetadata(peer);
        }
        worker.requestListener().onConnectionOpened(context);
    }

    /** Counts a raw upstream connection on its host while it is open; puts the TLS handler, if any, first. */
    private static final class ConnectionCounter extends ChannelInboundHandlerAdapter {
        private final UpstreamHost host;
        private final SslHandler ssl;

        ConnectionCounter(UpstreamHost host, SslHandler ssl) {
            this.host = host;
            this.ssl = ssl;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            if (ssl != null) {
                ctx.pipeline().addFirst("tls", ssl);
            }
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            host.connectionOpened();
            ctx.channel().closeFuture().addListener((ChannelFutureListener) future -> host.connectionClosed());
            ctx.pipeline().remove(this);
            ctx.fireChannelActive();
        }
    }

    /**
     * Hands what the downstream sent before {@link #link} (bytes behind a CONNECT, or data TLS decoded with the
     * handshake's last read) to the relay that link installed in {@code downstream}, in order.
     */
    static void replay(ChannelPipeline downstream, ArrayDeque<Object> early) {
        if (early.isEmpty()) {
            return;
        }
        ChannelHandlerContext relay = downstream.context(RELAY);
        ChannelInboundHandler handler = (ChannelInboundHandler) relay.handler();
        try {
            for (Object msg = early.poll(); msg != null; msg = early.poll()) {
                handler.channelRead(relay, msg);
            }
            handler.channelReadComplete(relay);
        } catch (Exception e) {
            release(early);
            relay.close();
        }
    }

    /** Releases the messages a handler kept back (for a tunnel that will not open, or a connection that ends). */
    static void release(ArrayDeque<Object> early) {
        for (Object msg = early.poll(); msg != null; msg = early.poll()) {
            ReferenceCountUtil.release(msg);
        }
    }
}
