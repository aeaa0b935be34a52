package dev.skiff.proxy.upstream;

import dev.skiff.proxy.model.Endpoint;

import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * One endpoint of a cluster with its live counters. Counters are shared by every event loop; they are atomics,
 * never locks. A host is reused across snapshots while its endpoint is unchanged, so the counters survive updates.
 */
public final class UpstreamHost {

    private final Endpoint endpoint;
    private final AtomicInteger activeRequests = new AtomicInteger();
    private final AtomicInteger activeConnections = new AtomicInteger();
    private final LongAdder totalRequests = new LongAdder();
    private final LongAdder connectFailures = new LongAdder();

    public UpstreamHost(Endpoint endpoint) {
        this.endpoint = endpoint;
    }

    public Endpoint endpoint() {
        return endpoint;
    }

    public InetSocketAddress address() {
        return endpoint.address();
    }

    public int weight() {
        return endpoint.weight();
    }

    public int activeRequests() {
        return activeRequests.get();
    }

    public int activeConnections() {
        return activeConnections.get();
    }

    public long totalRequests() {
        return totalRequests.sum();
    }

    public long connectFailures() {
        return connectFailures.sum();
    }

    /** Counts a request that starts on this host; pair with {@link #requestFinished()}. */
    public void requestStarted() {
        activeRequests.incrementAndGet();
        totalRequests.increment();
    }

    public void requestFinished() {
        activeRequests.decrementAndGet();
    }

    public void connectionOpened() {
        activeConnections.incrementAndGet();
    }

    public void connectionClosed() {
        activeConnections.decrementAndGet();
    }

    public void connectFailed() {
        connectFailures.increment();
    }

    @Override
    public String toString() {
        return "UpstreamHost[" + endpoint.address() + ", weight=" + endpoint.weight() + "]";
    }
}
