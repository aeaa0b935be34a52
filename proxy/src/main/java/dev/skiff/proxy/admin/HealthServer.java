package dev.skiff.proxy.admin;

import io.netty.channel.EventLoopGroup;

import java.net.InetSocketAddress;
import java.util.function.BooleanSupplier;

/**
 * The health port (15021 in a sidecar): {@code /healthz/ready} answers 200 once the first complete configuration
 * was applied, 503 before.
 */
public final class HealthServer implements AutoCloseable {

    private final SmallHttpServer server;

    /**
     * @param bind          where to listen
     * @param group         the event loops to serve on (the proxy's own)
     * @param configApplied whether the first complete configuration was applied
     */
    public HealthServer(InetSocketAddress bind, EventLoopGroup group, BooleanSupplier configApplied) {
        this.server = new SmallHttpServer("health", bind, group, query -> {
            if (!query.path().equals("/healthz/ready")) {
                return AdminReply.text(404, "unknown path " + query.path() + " (expected: /healthz/ready)\n");
            }
            return configApplied.getAsBoolean()
                    ? AdminReply.text(200, "ready\n")
                    : AdminReply.text(503, "not ready: the first complete configuration has not been applied yet\n");
        });
    }

    public InetSocketAddress address() {
        return server.address();
    }

    @Override
    public void close() {
        server.close();
    }
}
