package dev.skiff.proxy.upstream;

import dev.skiff.proxy.model.CircuitBreakerSpec;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The circuit breakers of one cluster, shared by every event loop: counters of open connections, requests waiting
 * for a connection, requests in flight and retries in flight, each checked against its threshold with one atomic
 * compare-and-set, never a lock. Every successful {@code tryAcquire*} is paired with one {@code release*}.
 */
public final class CircuitBreaker {

    private final CircuitBreakerSpec spec;
    private final AtomicLong connections = new AtomicLong();
    private final AtomicLong pendingRequests = new AtomicLong();
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong retries = new AtomicLong();
    private final LongAdder connectionOverflows = new LongAdder();
    private final LongAdder pendingOverflows = new LongAdder();
    private final LongAdder requestOverflows = new LongAdder();
    private final LongAdder retryOverflows = new LongAdder();

    public CircuitBreaker(CircuitBreakerSpec spec) {
        this.spec = spec;
    }

    public CircuitBreakerSpec spec() {
        return spec;
    }

    /** Takes a connection slot; false (and an overflow counted) when {@code max_connections} are open. */
    public boolean tryAcquireConnection() {
        if (tryAcquire(connections, spec.maxConnections())) {
            return true;
        }
        connectionOverflows.increment();
        return false;
    }

    /** Counts a connection opened beyond the threshold (a loop with no connection at all always gets one). */
    public void forceAcquireConnection() {
        connections.incrementAndGet();
    }

    public void releaseConnection() {
        connections.decrementAndGet();
    }

    /** Takes a pending-request slot; false when {@code max_pending_requests} requests already wait. */
    public boolean tryAcquirePending() {
        if (tryAcquire(pendingRequests, spec.maxPendingRequests())) {
            return true;
        }
        pendingOverflows.increment();
        return false;
    }

    public void releasePending() {
        pendingRequests.decrementAndGet();
    }

    /** Takes a request slot; false when {@code max_requests} requests are in flight. */
    public boolean tryAcquireRequest() {
        if (tryAcquire(requests, spec.maxRequests())) {
            return true;
        }
        requestOverflows.increment();
        return false;
    }

    public void releaseRequest() {
        requests.decrementAndGet();
    }

    /**
     * The retry budget: takes a retry slot before a retry is sent; false when {@code max_retries} retries are in
     * flight, in which case the retry must not be attempted. Pair a success with {@link #releaseRetry()} when the
     * retried attempt ends.
     */
    public boolean tryAcquireRetry() {
        if (tryAcquire(retries, spec.maxRetries())) {
            return true;
        }
        retryOverflows.increment();
        return false;
    }

    public void releaseRetry() {
        retries.decrementAndGet();
    }

    public long openConnections() {
        return connections.get();
    }

    public long pendingRequests() {
        return pendingRequests.get();
    }

    public long activeRequests() {
        return requests.get();
    }

    public long activeRetries() {
        return retries.get();
    }

    /** Envoy's {@code upstream_cx_overflow}. */
    public long connectionOverflows() {
        return connectionOverflows.sum();
    }

    /** Envoy's {@code upstream_rq_pending_overflow}. */
    public long pendingOverflows() {
        return pendingOverflows.sum();
    }

    /** Envoy's {@code upstream_rq_overflow}: requests refused because too many were in flight. */
    public long requestOverflows() {
        return requestOverflows.sum();
    }

    /** Envoy's {@code upstream_rq_retry_overflow}. */
    public long retryOverflows() {
        return retryOverflows.sum();
    }

    private static boolean tryAcquire(AtomicLong counter, long max) {
        long current;
        do {
            current = counter.get();
            if (current >= max) {
                return false;
            }
        } while (!counter.compareAndSet(current, current + 1));
        return true;
    }
}
