package dev.skiff.proxy.transport;

import dev.skiff.proxy.upstream.UpstreamHost;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;

import java.util.function.Consumer;

/** Opens raw upstream connections and joins two channels into a byte tunnel. */
final class Tunnels {

    private Tunnels() {
    }

    /**
     * Connects to {@code host} on the worker's event loop without reading yet; the outcome goes to one of the
     * callbacks on that loop.
     */
    static void connect(Worker worker, UpstreamHost host, int connectTimeoutMillis, Consumer<Channel> onConnected,
                        Consumer<Throwable> onFailure) {
        Bootstrap bootstrap = worker.pools().bootstrap().clone()
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMillis)
                .option(ChannelOption.AUTO_READ, false)
                .handler(new ConnectionCounter(host));
        ChannelFuture connect = bootstrap.connect(host.address());
        connect.addListener((ChannelFutureListener) future -> {
            if (future.isSuccess()) {
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
        downstream.pipeline().replace(downstreamHandler, "relay", new RelayHandler(upstream, completion, true));
    }

    /** Counts a raw upstream connection on its host while it is open. */
    private static final class ConnectionCounter extends ChannelInboundHandlerAdapter {
        private final UpstreamHost host;

        ConnectionCounter(UpstreamHost host) {
            this.host = host;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            host.connectionOpened();
            ctx.channel().closeFuture().addListener((ChannelFutureListener) future -> host.connectionClosed());
            ctx.pipeline().remove(this);
            ctx.fireChannelActive();
        }
    }
}
