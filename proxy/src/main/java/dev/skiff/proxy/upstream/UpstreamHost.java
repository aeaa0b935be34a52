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
    private final long createdNanos;
    private final AtomicInteger activeRequests = new AtomicInteger();
    private final AtomicInteger activeConnections = new AtomicInteger();
    private final LongAdder totalRequests = new LongAdder();
    private final LongAdder connectFailures = new LongAdder();

    public UpstreamHost(Endpoint endpoint) {
        this(endpoint, System.nanoTime());
    }

    /** @param createdNanos when the host appeared, on the {@link System#nanoTime()} scale (slow start counts from it) */
    public UpstreamHost(Endpoint endpoint, long createdNanos) {
        this.endpoint = endpoint;
        this.createdNanos = createdNanos;
    }

    /** When the host first appeared in the proxy's configuration, on the {@link System#nanoTime()} scale. */
    public long createdNanos() {
        return createdNanos;
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
