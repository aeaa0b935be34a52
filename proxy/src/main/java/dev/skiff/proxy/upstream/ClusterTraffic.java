package dev.skiff.proxy.upstream;

import dev.skiff.proxy.model.CircuitBreakerSpec;
import io.netty.util.concurrent.EventExecutor;

import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * Admission of requests to one cluster, shared by every event loop: the cluster's {@link CircuitBreaker} and, for
 * HTTP/1.1 clusters, one queue per event loop of requests waiting for a connection. A request holds a request slot
 * from {@link #admit} until {@link UpstreamRequest#finish}; an HTTP/1.1 request also holds one of the cluster's
 * {@code max_connections} slots while it uses a connection, or waits (up to {@code max_pending_requests} requests)
 * until a slot frees. An event loop with no slot at all always gets one, as Envoy's workers do, so that a waiting
 * request can never be stranded on a loop with nothing in flight. Beyond the limits requests are refused at once.
 */
public final class ClusterTraffic {

    private final CircuitBreaker breaker;
    private final OutlierDetector outlierDetector;
    private final boolean limitConnections;
    private final Map<EventExecutor, LoopQueue> queues = new ConcurrentHashMap<>();
    private final Function<EventExecutor, LoopQueue> newQueue = LoopQueue::new;

    /**
     * @param breaker          the cluster's thresholds and counters
     * @param outlierDetector  the cluster's outlier detection, or null
     * @param limitConnections whether each request holds a connection of its own (HTTP/1.1), so that
     *                         {@code max_connections} and {@code max_pending_requests} apply
     */
    public ClusterTraffic(CircuitBreaker breaker, OutlierDetector outlierDetector, boolean limitConnections) {
        this.breaker = breaker;
        this.outlierDetector = outlierDetector;
        this.limitConnections = limitConnections;
    }

    /** Traffic with thresholds that never trip and no outlier detection. */
    public static ClusterTraffic unlimited() {
        return new ClusterTraffic(new CircuitBreaker(new CircuitBreakerSpec(Long.MAX_VALUE, Long.MAX_VALUE,
                Long.MAX_VALUE, Long.MAX_VALUE)), null, false);
    }

    public CircuitBreaker circuitBreaker() {
        return breaker;
    }

    /** The cluster's outlier detection, or null when it has none. */
    public OutlierDetector outlierDetector() {
        return outlierDetector;
    }

    /**
     * A ticket for one request to {@code host}; nothing happens until {@link UpstreamRequest#admit()}.
     *
     * @param loop the request's event loop, where the callback is called
     */
    public UpstreamRequest request(UpstreamHost host, EventExecutor loop, AdmissionCallback callback) {
        return new UpstreamRequest(this, host, loop, callback);
    }

    /** Decides on {@code request}: admitted now, refused now, or waiting. Runs on the request's loop. */
    void admit(UpstreamRequest request) {
        EventExecutor loop = request.loop();
        if (!breaker.tryAcquireRequest()) {
            request.refuse(UpstreamOverflowException.MAX_REQUESTS);
            return;
        }
        if (!limitConnections) {
            request.activate(false);
            return;
        }
        LoopQueue queue = queues.computeIfAbsent(loop, newQueue);
        if (breaker.tryAcquireConnection()) {
            queue.inUse++;
            request.activate(true);
            return;
        }
        if (queue.inUse == 0) {
            breaker.forceAcquireConnection();
            queue.inUse++;
            request.activate(true);
            return;
        }
        if (!breaker.tryAcquirePending()) {
            breaker.releaseRequest();
            request.refuse(UpstreamOverflowException.MAX_PENDING_REQUESTS);
            return;
        }
        request.markPending();
        queue.waiting.addLast(request);
        queue.waitingCount.incrementAndGet();
        if (breaker.tryAcquireConnection()) {
            takeFirstWaiter(queue);
        }
    }

    /** Outcome of a finished request for the outlier detector, and its slots back. */
    void finished(UpstreamRequest request, boolean heldConnection, int responseCode, OutlierResult result) {
        breaker.releaseRequest();
        if (heldConnection) {
            LoopQueue queue = queues.get(request.loop());
            queue.inUse--;
            if (!queue.waiting.isEmpty()) {
                takeFirstWaiter(queue);
            } else {
                breaker.releaseConnection();
                wakeOtherLoop(queue);
            }
        }
        if (outlierDetector != null && result != OutlierResult.NONE) {
            outlierDetector.report(request.host(), result, responseCode);
        }
    }

    /** A pending request ended before it got a connection (the downstream went away). */
    void abandoned(UpstreamRequest request) {
        LoopQueue queue = queues.get(request.loop());
        if (queue.waiting.remove(request)) {
            queue.waitingCount.decrementAndGet();
            breaker.releasePending();
        }
        breaker.releaseRequest();
    }

    /** Hands a connection slot this loop holds to the first request waiting on it. Runs on the queue's loop. */
    private void takeFirstWaiter(LoopQueue queue) {
        UpstreamRequest next = queue.waiting.pollFirst();
        queue.waitingCount.decrementAndGet();
        breaker.releasePending();
        queue.inUse++;
        next.activateLater();
    }

    private void wakeOtherLoop(LoopQueue self) {
        if (breaker.pendingRequests() == 0) {
            return;
        }
        for (LoopQueue queue : queues.values()) {
            if (queue != self && queue.waitingCount.get() > 0) {
                queue.loop.execute(queue.drain);
                return;
            }
        }
    }

    /** The waiting requests of one event loop; fields other than the counter are touched on that loop only. */
    private final class LoopQueue {
        final EventExecutor loop;
        final ArrayDeque<UpstreamRequest> waiting = new ArrayDeque<>();
        final AtomicInteger waitingCount = new AtomicInteger();
        final Runnable drain = this::drain;
        int inUse;

        LoopQueue(EventExecutor loop) {
            this.loop = loop;
        }

        private void drain() {
            while (!waiting.isEmpty() && breaker.tryAcquireConnection()) {
                takeFirstWaiter(this);
            }
        }
    }
}
