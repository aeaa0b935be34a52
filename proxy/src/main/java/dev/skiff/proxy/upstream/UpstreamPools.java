package dev.skiff.proxy.upstream;

import io.netty.bootstrap.Bootstrap;

import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;

/** The HTTP/1.1 and HTTP/2 pools of one event loop, one of each per upstream address; used only on that loop. */
public final class UpstreamPools {

    private final Bootstrap bootstrap;
    private final Map<InetSocketAddress, Http1ConnectionPool> pools = new HashMap<>();
    private final Map<InetSocketAddress, Http2ConnectionPool> http2Pools = new HashMap<>();

    /** @param bootstrap a bootstrap whose group is the owning event loop */
    public UpstreamPools(Bootstrap bootstrap) {
        this.bootstrap = bootstrap;
    }

    public Http1ConnectionPool pool(InetSocketAddress address) {
        Http1ConnectionPool pool = pools.get(address);
        if (pool == null) {
            pool = new Http1ConnectionPool(bootstrap, address);
            pools.put(address, pool);
        }
        return pool;
    }

    public Http2ConnectionPool http2Pool(InetSocketAddress address) {
        Http2ConnectionPool pool = http2Pools.get(address);
        if (pool == null) {
            pool = new Http2ConnectionPool(bootstrap, address);
            http2Pools.put(address, pool);
        }
        return pool;
    }

    /** A bootstrap on this loop for connections outside the pools (TCP proxying, tunnels). */
    public Bootstrap bootstrap() {
        return bootstrap;
    }
}
