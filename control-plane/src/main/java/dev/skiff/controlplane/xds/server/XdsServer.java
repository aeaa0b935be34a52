package dev.skiff.controlplane.xds.server;

import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The gRPC server that serves ADS to proxies and proxyless clients. */
public final class XdsServer implements AutoCloseable {
    public static final String DEFAULT_HOST = "127.0.0.1";
    public static final int DEFAULT_PORT = 15010;

    private static final Logger log = LoggerFactory.getLogger(XdsServer.class);
    private static final long TERMINATION_WAIT_SECONDS = 5;

    private final InetSocketAddress address;
    private final Server server;
    private volatile boolean started;

    /**
     * @param address where to listen; port 0 picks a free port (see {@link #port()})
     * @param ads     the discovery service to serve
     */
    public XdsServer(InetSocketAddress address, AdsService ads) {
        this.address = Objects.requireNonNull(address, "address");
        this.server = NettyServerBuilder.forAddress(address)
                .addService(Objects.requireNonNull(ads, "ads"))
                .permitKeepAliveTime(10, TimeUnit.SECONDS)
                .permitKeepAliveWithoutCalls(true)
                .build();
    }

    /** Binds and starts serving. */
    public synchronized XdsServer start() {
        if (started) {
            throw new IllegalStateException("xDS server on " + address + " is already started");
        }
        try {
            server.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen for xDS on " + address + ": " + e.getMessage(), e);
        }
        started = true;
        log.info("xDS server listening on {}:{}", address.getHostString(), port());
        return this;
    }

    /** The bound port (the actual one when started with port 0). */
    public int port() {
        if (!started) {
            throw new IllegalStateException("xDS server on " + address + " is not started (call start() first)");
        }
        return server.getPort();
    }

    /** Stops listening and ends every open stream; clients reconnect elsewhere or later. */
    @Override
    public void close() {
        server.shutdownNow();
        try {
            if (!server.awaitTermination(TERMINATION_WAIT_SECONDS, TimeUnit.SECONDS)) {
                log.warn("xDS server on {} did not terminate within {}s", address, TERMINATION_WAIT_SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
