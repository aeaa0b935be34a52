package dev.skiff.controlplane.ca;

import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.TlsServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The control plane's TLS gRPC port (Istio's 15012): the certificate service and whatever other services are bound
 * to it (such as ADS), behind a server certificate that the control plane's own CA issued.
 */
public final class SecureGrpcServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SecureGrpcServer.class);
    private static final long TERMINATION_WAIT_SECONDS = 5;

    private final InetSocketAddress address;
    private final Server server;
    private volatile boolean started;

    /**
     * @param address    where to listen; port 0 picks a free port (see {@link #port()})
     * @param keyManager the server's certificate and key
     * @param services   the services to serve, each with its own interceptors already applied
     */
    public SecureGrpcServer(InetSocketAddress address, KeyManager keyManager, List<ServerServiceDefinition> services) {
        this.address = Objects.requireNonNull(address, "address");
        NettyServerBuilder builder = NettyServerBuilder.forAddress(address,
                        TlsServerCredentials.newBuilder().keyManager(keyManager).build())
                .permitKeepAliveTime(10, TimeUnit.SECONDS)
                .permitKeepAliveWithoutCalls(true);
        services.forEach(builder::addService);
        this.server = builder.build();
    }

    /** Binds and starts serving. */
    public synchronized SecureGrpcServer start() {
        if (started) {
            throw new IllegalStateException("secure gRPC server on " + address + " is already started");
        }
        try {
            server.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen for TLS gRPC on " + address + ": " + e.getMessage(), e);
        }
        started = true;
        log.info("secure gRPC server listening on {}:{}", address.getHostString(), port());
        return this;
    }

    /** The bound port (the actual one when started with port 0). */
    public int port() {
        if (!started) {
            throw new IllegalStateException("secure gRPC server on " + address + " is not started (call start() "
                    + "first)");
        }
        return server.getPort();
    }

    @Override
    public void close() {
        server.shutdownNow();
        try {
            if (!server.awaitTermination(TERMINATION_WAIT_SECONDS, TimeUnit.SECONDS)) {
                log.warn("secure gRPC server on {} did not terminate within {}s", address, TERMINATION_WAIT_SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
