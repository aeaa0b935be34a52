package dev.skiff.proxy.upstream;

import dev.skiff.proxy.model.ConnectionPoolSpec;
import dev.skiff.proxy.model.UpstreamTlsSpec;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;

import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * One shared HTTP/2 (cleartext, prior knowledge) connection to an upstream address, owned by one event loop; each
 * request gets its own stream. Requests that arrive while the connection is being made wait for it. A connection
 * with no open stream for the idle timeout is closed.
 */
public final class Http2ConnectionPool {

    private record Waiter(UpstreamHost host, ConnectCallback callback) {
    }

    private final Bootstrap bootstrap;
    private final InetSocketAddress address;
    private final UpstreamTlsFactory tlsFactory;
    private final UpstreamTlsSpec tls;
    private final long idleTimeoutMillis;
    private final ArrayDeque<Waiter> waiters = new ArrayDeque<>();
    private Channel connection;
    private boolean connecting;

    /**
     * @param bootstrap a bootstrap whose group is the owning event loop
     * @param address   the upstream address
     */
    public Http2ConnectionPool(Bootstrap bootstrap, InetSocketAddress address) {
        this(bootstrap, address, UpstreamTlsFactory.NONE, null);
    }

    /**
     * @param bootstrap  a bootstrap whose group is the owning event loop
     * @param address    the upstream address
     * @param tlsFactory makes each new connection's TLS handler
     * @param tls        the TLS origination, or null for plaintext (HTTP/2 with prior knowledge)
     */
    public Http2ConnectionPool(Bootstrap bootstrap, InetSocketAddress address, UpstreamTlsFactory tlsFactory,
                               UpstreamTlsSpec tls) {
        this(bootstrap, address, tlsFactory, tls, ConnectionPoolSpec.DEFAULT);
    }

    /**
     * @param settings the cluster's idle timeout (a connection without streams that long is closed) and keepalive
     */
    public Http2ConnectionPool(Bootstrap bootstrap, InetSocketAddress address, UpstreamTlsFactory tlsFactory,
                               UpstreamTlsSpec tls, ConnectionPoolSpec settings) {
        this.bootstrap = UpstreamSocketOptions.apply(bootstrap.clone(), settings.tcpKeepalive());
        this.address = address;
        this.tlsFactory = tlsFactory;
        this.tls = tls;
        this.idleTimeoutMillis = settings.idleTimeout().toMillis();
    }

    /** Opens a stream for one request, connecting first when there is no live connection. */
    public void acquire(UpstreamHost host, int connectTimeoutMillis, ConnectCallback callback) {
        Channel current = connection;
        if (current != null && current.isActive()) {
            openStream(current, host, callback);
            return;
        }
        waiters.add(new Waiter(host, callback));
        if (connecting) {
            return;
        }
        SslHandler sslHandler;
        try {
            sslHandler = tls == null ? null : tlsFactory.newHandler(tls, ByteBufAllocator.DEFAULT, address);
        } catch (IllegalStateException e) {
            host.connectFailed();
            failWaiters(e);
            return;
        }
        connecting = true;
        ChannelFuture connect = bootstrap.clone()
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMillis)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (sslHandler != null) {
                            ch.pipeline().addLast(sslHandler);
                        }
                        Http2FrameCodec codec = Http2FrameCodecBuilder.forClient().build();
                        ch.pipeline().addLast(new IdleStateHandler(0, 0, idleTimeoutMillis, TimeUnit.MILLISECONDS),
                                codec, new Http2MultiplexHandler(new RejectPushedStreams()), new IdleCloser(codec));
                    }
                })
                .connect(address);
        connect.addListener((ChannelFutureListener) future -> {
            if (future.isSuccess() && sslHandler != null) {
                sslHandler.handshakeFuture().addListener(handshake -> {
                    if (handshake.isSuccess()) {
                        onConnected(future.channel(), host);
                    } else {
                        connecting = false;
                        host.connectFailed();
                        future.channel().close();
                        failWaiters(handshake.cause());
                    }
                });
            } else if (future.isSuccess()) {
                onConnected(future.channel(), host);
            } else {
                connecting = false;
                host.connectFailed();
                failWaiters(future.cause());
            }
        });
    }

    private void failWaiters(Throwable cause) {
        Waiter waiter;
        while ((waiter = waiters.poll()) != null) {
            waiter.callback().onConnectFailed(cause);
        }
    }

    private void onConnected(Channel channel, UpstreamHost host) {
        connecting = false;
        connection = channel;
        host.connectionOpened();
        channel.closeFuture().addListener(closed -> {
            host.connectionClosed();
            if (connection == channel) {
                connection = null;
            }
        });
        Waiter waiter;
        while ((waiter = waiters.poll()) != null) {
            openStream(channel, waiter.host(), waiter.callback());
        }
    }

    private static void openStream(Channel parent, UpstreamHost host, ConnectCallback callback) {
        Http2UpstreamStream stream = new Http2UpstreamStream(host);
        new Http2StreamChannelBootstrap(parent)
                .handler(new ChannelInitializer<Http2StreamChannel>() {
                    @Override
                    protected void initChannel(Http2StreamChannel ch) {
                        ch.pipeline().addLast(new Http2StreamFrameToHttpObjectCodec(false), stream);
                    }
                })
                .open()
                .addListener(future -> {
                    if (future.isSuccess()) {
                        callback.onConnected(stream);
                    } else {
                        callback.onConnectFailed(future.cause());
                    }
                });
    }

    /** Closes the connection, resetting its streams. */
    public void close() {
        if (connection != null) {
            connection.close();
        }
    }

    /** Closes the connection when it has been idle for the idle timeout with no stream open. */
    private static final class IdleCloser extends ChannelInboundHandlerAdapter {
        private final Http2FrameCodec codec;

        IdleCloser(Http2FrameCodec codec) {
            this.codec = codec;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof IdleStateEvent && codec.connection().numActiveStreams() == 0) {
                ctx.close();
                return;
            }
            ctx.fireUserEventTriggered(evt);
        }
    }

    /** Upstreams do not push; a pushed stream is refused by closing it. */
    @ChannelHandler.Sharable
    private static final class RejectPushedStreams extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
            ctx.close();
        }
    }
}
