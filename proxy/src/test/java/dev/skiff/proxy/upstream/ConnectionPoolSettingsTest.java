package dev.skiff.proxy.upstream;

import dev.skiff.proxy.model.ConnectionPoolSpec;
import dev.skiff.proxy.model.Endpoint;
import dev.skiff.proxy.model.TcpKeepaliveSpec;
import dev.skiff.proxy.transport.NoLeaks;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A cluster's connection settings on real loopback connections: per-connection limits, idle timeout, keepalive. */
@ExtendWith(NoLeaks.class)
class ConnectionPoolSettingsTest {

    private MultiThreadIoEventLoopGroup group;
    private EventLoop loop;
    private ServerSocket server;
    private final List<Socket> accepted = new CopyOnWriteArrayList<>();
    private UpstreamHost host;

    @BeforeEach
    void start() throws IOException {
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        loop = group.next();
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().start(() -> {
            while (!server.isClosed()) {
                try {
                    accepted.add(server.accept());
                } catch (IOException e) {
                    return;
                }
            }
        });
        host = new UpstreamHost(new Endpoint(new InetSocketAddress(InetAddress.getLoopbackAddress(),
                server.getLocalPort())));
    }

    @AfterEach
    void stop() throws IOException {
        server.close();
        for (Socket socket : accepted) {
            socket.close();
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private Http1ConnectionPool pool(ConnectionPoolSpec settings) {
        Bootstrap bootstrap = new Bootstrap().group(loop).channel(NioSocketChannel.class);
        return new Http1ConnectionPool(bootstrap, host.address(), UpstreamTlsFactory.NONE, null, settings);
    }

    /** Acquires a connection on the pool's loop and binds it to a request, as an exchange does. */
    private Http1UpstreamConnection acquire(Http1ConnectionPool pool) {
        CompletableFuture<Http1UpstreamConnection> result = new CompletableFuture<>();
        loop.execute(() -> pool.acquire(host, 2000, new ConnectCallback() {
            @Override
            public void onConnected(UpstreamStream stream) {
                stream.bind(new UpstreamListener() {
                    @Override
                    public void onUpstreamMessage(Object message) {
                    }

                    @Override
                    public void onUpstreamReadComplete() {
                    }

                    @Override
                    public void onUpstreamClosed() {
                    }

                    @Override
                    public void onUpstreamWritabilityChanged(boolean writable) {
                    }
                });
                result.complete((Http1UpstreamConnection) stream);
            }

            @Override
            public void onConnectFailed(Throwable cause) {
                result.completeExceptionally(cause);
            }
        }));
        return result.join();
    }

    private void release(Http1UpstreamConnection connection) throws Exception {
        loop.submit(() -> connection.release(true)).get();
    }

    @Test
    void aConnectionGoesBackToThePoolUntilItServedItsMaximum() throws Exception {
        Http1ConnectionPool pool = pool(new ConnectionPoolSpec(ConnectionPoolSpec.DEFAULT_IDLE_TIMEOUT, 2, null,
                null));

        Http1UpstreamConnection first = acquire(pool);
        release(first);
        assertThat(loop.submit(pool::idleCount).get()).isEqualTo(1);
        Http1UpstreamConnection again = acquire(pool);
        assertThat(again).isSameAs(first);
        release(again);

        assertThat(loop.submit(pool::idleCount).get()).isZero();
        await().atMost(Duration.ofSeconds(5)).until(() -> !first.channel().isOpen());
    }

    @Test
    void idleConnectionsCloseAfterTheClustersIdleTimeout() throws Exception {
        Http1ConnectionPool pool = pool(new ConnectionPoolSpec(Duration.ofMillis(200), 0, null, null));

        Http1UpstreamConnection connection = acquire(pool);
        release(connection);

        await().atMost(Duration.ofSeconds(5)).until(() -> !connection.channel().isOpen());
        assertThat(loop.submit(pool::idleCount).get()).isZero();
    }

    @Test
    void aConnectionPastItsMaximumDurationIsClosedWhenItsRequestEnds() throws Exception {
        Http1ConnectionPool pool = pool(new ConnectionPoolSpec(ConnectionPoolSpec.DEFAULT_IDLE_TIMEOUT, 0,
                Duration.ofMillis(100), null));

        Http1UpstreamConnection busy = acquire(pool);
        await().atMost(Duration.ofSeconds(5)).until(() -> loop.submit(busy::isExpired).get());
        assertThat(busy.channel().isOpen()).as("a busy connection finishes its request").isTrue();
        release(busy);

        await().atMost(Duration.ofSeconds(5)).until(() -> !busy.channel().isOpen());
        Http1UpstreamConnection idle = acquire(pool);
        release(idle);
        await().atMost(Duration.ofSeconds(5)).until(() -> !idle.channel().isOpen());
    }

    @Test
    void keepaliveIsSetOnUpstreamSockets() {
        Http1ConnectionPool pool = pool(new ConnectionPoolSpec(ConnectionPoolSpec.DEFAULT_IDLE_TIMEOUT, 0, null,
                new TcpKeepaliveSpec(3, 30, 5)));

        Http1UpstreamConnection connection = acquire(pool);

        assertThat(connection.channel().config().getOption(ChannelOption.SO_KEEPALIVE)).isTrue();
    }
}
