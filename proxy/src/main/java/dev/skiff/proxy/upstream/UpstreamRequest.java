package dev.skiff.proxy.upstream;

import io.netty.util.concurrent.EventExecutor;

/**
 * One request's standing with its cluster's circuit breakers, from {@link #admit()} to {@link #finish}. Used on
 * the request's event loop only; a waiting request is admitted by a task run on that loop.
 */
public final class UpstreamRequest implements Runnable {

    private enum State { NEW, PENDING, ACTIVE, REFUSED, FINISHED }

    private final ClusterTraffic traffic;
    private final UpstreamHost host;
    private final EventExecutor loop;
    private final AdmissionCallback callback;
    private State state = State.NEW;
    private boolean holdsConnection;

    UpstreamRequest(ClusterTraffic traffic, UpstreamHost host, EventExecutor loop, AdmissionCallback callback) {
        this.traffic = traffic;
        this.host = host;
        this.loop = loop;
        this.callback = callback;
    }

    UpstreamHost host() {
        return host;
    }

    EventExecutor loop() {
        return loop;
    }

    /**
     * Asks the circuit breakers; the callback hears the answer, at once when there is room or no room to wait,
     * later (from a task on this loop) when the request has to wait for a connection.
     */
    public void admit() {
        if (state != State.NEW) {
            throw new IllegalStateException("request admitted twice (expected: one admit per ticket)");
        }
        traffic.admit(this);
    }

    /** Whether the request waits for a connection slot. */
    public boolean isPending() {
        return state == State.PENDING;
    }

    /**
     * Ends the request: gives its slots back (waking a waiting request) and tells the outlier detector how the
     * host did. Later calls do nothing.
     *
     * @param result       what the request says about the host
     * @param responseCode the upstream's status code when {@code result} is {@link OutlierResult#HTTP_RESPONSE}
     */
    public void finish(OutlierResult result, int responseCode) {
        State previous = state;
        state = State.FINISHED;
        switch (previous) {
            case ACTIVE -> traffic.finished(this, holdsConnection, responseCode, result);
            case PENDING -> traffic.abandoned(this);
            case NEW, REFUSED, FINISHED -> {
            }
        }
    }

    void refuse(UpstreamOverflowException overflow) {
        state = State.REFUSED;
        callback.onOverflow(overflow);
    }

    void markPending() {
        state = State.PENDING;
    }

    void activate(boolean withConnection) {
        state = State.ACTIVE;
        holdsConnection = withConnection;
        callback.onAdmitted();
    }

    /** Takes a connection slot handed over by another request; the callback runs from a task on the loop. */
    void activateLater() {
        state = State.ACTIVE;
        holdsConnection = true;
        loop.execute(this);
    }

    @Override
    public void run() {
        if (state == State.ACTIVE) {
            callback.onAdmitted();
        }
    }
}
