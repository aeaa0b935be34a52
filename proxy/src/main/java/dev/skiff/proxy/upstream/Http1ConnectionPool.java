package dev.skiff.proxy.upstream;

import dev.skiff.proxy.model.ConnectionPoolSpec;
import dev.skiff.proxy.model.UpstreamTlsSpec;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateHandler;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.ArrayDeque;

/**
 * HTTP/1.1 keep-alive connections to one upstream address, owned by one event loop: every method runs on that loop,
 * so the pool takes no locks. Idle connections are reused most-recently-used first and closed after the cluster's
 * idle timeout unused; a connection that served {@code max_requests_per_connection} requests or lived
 * {@code max_connection_duration} is closed instead of going back to the pool.
 */
public final class Http1ConnectionPool {

    static final int MAX_HEADER_SIZE = 60 * 1024;
    private static final int MAX_IDLE = 64;

    private final Bootstrap bootstrap;
    private final InetSocketAddress address;
    private final UpstreamTlsFactory tlsFactory;
    private final UpstreamTlsSpec tls;
    private final ConnectionPoolSpec settings;
    private final ArrayDeque<Http1UpstreamConnection> idle = new ArrayDeque<>();

    /**
     * @param bootstrap a bootstrap whose group is the owning event loop
     * @param address   the upstream address
     */
    public Http1ConnectionPool(Bootstrap bootstrap, InetSocketAddress address) {
        this(bootstrap, address, UpstreamTlsFactory.NONE, null);
    }

    /**
     * @param bootstrap  a bootstrap whose group is the owning event loop
     * @param address    the upstream address
     * @param tlsFactory makes each new connection's TLS handler
     * @param tls        the TLS origination, or null for plaintext
     */
    public Http1ConnectionPool(Bootstrap bootstrap, InetSocketAddress address, UpstreamTlsFactory tlsFactory,
                               UpstreamTlsSpec tls) {
        this(bootstrap, address, tlsFactory, tls, ConnectionPoolSpec.DEFAULT);
    }

    /**
     * @param settings the cluster's idle timeout, request and lifetime limits per connection, and keepalive
     */
    public Http1ConnectionPool(Bootstrap bootstrap, InetSocketAddress address, UpstreamTlsFactory tlsFactory,
                               UpstreamTlsSpec tls, ConnectionPoolSpec settings) {
        this.bootstrap = UpstreamSocketOptions.apply(bootstrap.clone(), settings.tcpKeepalive());
        this.address = address;
        this.tlsFactory = tlsFactory;
        this.tls = tls;
        this.settings = settings;
    }

    public InetSocketAddress address() {
        return address;
    }

    /** How many idle connections wait for reuse. */
    public int idleCount() {
        return idle.size();
    }

    /**
     * Hands an idle connection to {@code callback}, or opens a new one.
     *
     * @param host                 the host the request goes to (its connection counters are updated)
     * @param connectTimeoutMillis how long connecting may take
     */
    public void acquire(UpstreamHost host, int connectTimeoutMillis, ConnectCallback callback) {
        Http1UpstreamConnection connection;
        while ((connection = idle.pollLast()) != null) {
            if (connection.isUsable()) {
                callback.onConnected(connection);
                return;
            }
        }
        SslHandler sslHandler;
        try {
            sslHandler = tls == null ? null : tlsFactory.newHandler(tls, ByteBufAllocator.DEFAULT, address);
        } catch (IllegalStateException e) {
            host.connectFailed();
            callback.onConnectFailed(e);
            return;
        }
        Http1UpstreamConnection fresh = new Http1UpstreamConnection(this, host);
        ChannelFuture connect = bootstrap.clone()
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMillis)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (sslHandler != null) {
                            ch.pipeline().addLast(sslHandler);
                        }
                        // Reads alone tell idleness: a connection goes back to the pool right after the last
                        // read of a response, and watching writes would cost a listener on every write.
                        ch.pipeline().addLast(new IdleStateHandler(settings.idleTimeout().toMillis(), 0, 0,
                                TimeUnit.MILLISECONDS));
                        ch.pipeline().addLast(new HttpClientCodec(
                                new HttpDecoderConfig().setMaxHeaderSize(MAX_HEADER_SIZE), false, false));
                        ch.pipeline().addLast(fresh);
                    }
                })
                .connect(address);
        connect.addListener((ChannelFutureListener) future -> {
            if (future.isSuccess() && sslHandler != null) {
                UpstreamTls.afterHandshake(sslHandler, future.channel(), host, callback,
                        () -> callback.onConnected(fresh));
            } else if (future.isSuccess()) {
                callback.onConnected(fresh);
            } else {
                host.connectFailed();
                callback.onConnectFailed(future.cause());
            }
        });
    }

    /** Starts the connection's lifetime clock when the cluster limits how long a connection may live. */
    void connectionActive(Http1UpstreamConnection connection) {
        Duration lifetime = settings.maxConnectionDuration();
        if (lifetime != null) {
            connection.channel().eventLoop().schedule(connection::expire, lifetime.toNanos(), TimeUnit.NANOSECONDS);
        }
    }

    /** Whether a connection that served {@code served} requests may serve another one. */
    boolean mayServeMore(int served) {
        int max = settings.maxRequestsPerConnection();
        return max == 0 || served < max;
    }

    void offerIdle(Http1UpstreamConnection connection) {
        if (idle.size() >= MAX_IDLE) {
            connection.close();
            return;
        }
        idle.addLast(connection);
    }

    void forget(Http1UpstreamConnection connection) {
        idle.remove(connection);
    }

    /** Closes every idle connection. */
    public void closeIdle() {
        Http1UpstreamConnection connection;
        while ((connection = idle.pollFirst()) != null) {
            connection.close();
        }
    }
}
