package dev.skiff.proxy.upstream;

import dev.skiff.proxy.model.ConnectionPoolSpec;
import dev.skiff.proxy.model.UpstreamTlsSpec;
import io.netty.bootstrap.Bootstrap;

import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;

/**
 * The HTTP/1.1 and HTTP/2 pools of one event loop, one of each per upstream address, transport (plaintext, or one
 * TLS origination spec) and connection settings (clusters with the same settings share pools); used only on that
 * loop.
 */
public final class UpstreamPools {

    private record PoolKey(InetSocketAddress address, UpstreamTlsSpec tls, ConnectionPoolSpec settings) {
    }

    private final Bootstrap bootstrap;
    private final UpstreamTlsFactory tlsFactory;
    private final Map<InetSocketAddress, Http1ConnectionPool> pools = new HashMap<>();
    private final Map<InetSocketAddress, Http2ConnectionPool> http2Pools = new HashMap<>();
    private final Map<PoolKey, Http1ConnectionPool> keyedPools = new HashMap<>();
    private final Map<PoolKey, Http2ConnectionPool> keyedHttp2Pools = new HashMap<>();

    /** @param bootstrap a bootstrap whose group is the owning event loop */
    public UpstreamPools(Bootstrap bootstrap) {
        this(bootstrap, UpstreamTlsFactory.NONE);
    }

    /**
     * @param bootstrap  a bootstrap whose group is the owning event loop
     * @param tlsFactory makes the TLS handlers of connections to TLS upstreams
     */
    public UpstreamPools(Bootstrap bootstrap, UpstreamTlsFactory tlsFactory) {
        this.bootstrap = bootstrap;
        this.tlsFactory = tlsFactory;
    }

    /** The HTTP/1.1 pool to {@code address} over {@code tls} (null: plaintext). */
    public Http1ConnectionPool pool(InetSocketAddress address, UpstreamTlsSpec tls) {
        return pool(address, tls, ConnectionPoolSpec.DEFAULT);
    }

    /** The HTTP/1.1 pool to {@code address} over {@code tls} (null: plaintext) with a cluster's settings. */
    public Http1ConnectionPool pool(InetSocketAddress address, UpstreamTlsSpec tls, ConnectionPoolSpec settings) {
        if (tls == null && settings.equals(ConnectionPoolSpec.DEFAULT)) {
            return pool(address);
        }
        PoolKey key = new PoolKey(address, tls, settings);
        Http1ConnectionPool pool = keyedPools.get(key);
        if (pool == null) {
            pool = new Http1ConnectionPool(bootstrap, address, tlsFactory, tls, settings);
            keyedPools.put(key, pool);
        }
        return pool;
    }

    /** The HTTP/2 pool to {@code address} over {@code tls} (null: plaintext). */
    public Http2ConnectionPool http2Pool(InetSocketAddress address, UpstreamTlsSpec tls) {
        return http2Pool(address, tls, ConnectionPoolSpec.DEFAULT);
    }

    /** The HTTP/2 pool to {@code address} over {@code tls} (null: plaintext) with a cluster's settings. */
    public Http2ConnectionPool http2Pool(InetSocketAddress address, UpstreamTlsSpec tls, ConnectionPoolSpec settings) {
        if (tls == null && settings.equals(ConnectionPoolSpec.DEFAULT)) {
            return http2Pool(address);
        }
        PoolKey key = new PoolKey(address, tls, settings);
        Http2ConnectionPool pool = keyedHttp2Pools.get(key);
        if (pool == null) {
            pool = new Http2ConnectionPool(bootstrap, address, tlsFactory, tls, settings);
            keyedHttp2Pools.put(key, pool);
        }
        return pool;
    }

    /** Makes TLS handlers for connections outside the pools (TCP proxying to TLS upstreams). */
    public UpstreamTlsFactory tlsFactory() {
        return tlsFactory;
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
