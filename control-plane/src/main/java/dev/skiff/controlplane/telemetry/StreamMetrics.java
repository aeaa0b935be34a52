package dev.skiff.controlplane.telemetry;

import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * What one xDS stream records: its connection, the pushes it receives and how long they wait, each response it
 * sends, and the ACKs and NACKs that come back.
 *
 * <p>{@link #pushQueued()} may be called from any thread; every other method only from the stream's own serial
 * executor, one call at a time, like the rest of the stream's state.
 *
 * <p>Convergence ({@code pilot_proxy_convergence_time}) runs from the moment the earliest push this proxy has not
 * yet caught up with was queued for it, to the ACK of the last response that push (or a later one before it
 * converged) sent. Pushes that send nothing leave no sample; a NACK leaves no sample for the pushes it rejected.
 */
public final class StreamMetrics {
    private static final long NONE = Long.MIN_VALUE;

    private final ControlPlaneMetrics metrics;
    private volatile long queuedAt;

    private long waitingSince = NONE;
    private long convergenceSince = NONE;
    private boolean pushing;
    private final boolean[] awaitingAck = new boolean[XdsType.ALL.length];
    private int awaiting;
    private boolean rejectedSinceConverged;
    private String node;
    private String version;
    /** This stream's contributions to the {@code pilot_xds_<type>_reject} gauges, created on the first NACK. */
    private Map<ControlPlaneMetrics.RejectKey, Long> rejects;

    StreamMetrics(ControlPlaneMetrics metrics) {
        this.metrics = metrics;
    }

    /**
     * The stream identified itself.
     *
     * @param node    the node id
     * @param version the proxy's version ({@code pilot_xds{version}})
     */
    public void connected(String node, String version) {
        this.node = node;
        this.version = version;
        metrics.clientConnected(version);
    }

    /** A push was queued for this stream (and no earlier push is still queued). Any thread. */
    public void pushQueued() {
        queuedAt = metrics.now();
    }

    /** The queued push was taken off the queue; call before the stream clears its pending flag. */
    public void pushDequeued() {
        if (waitingSince == NONE) {
            waitingSince = queuedAt;
        }
    }

    /** The dequeued push will not run (the stream closed or has not identified itself). */
    public void pushDropped() {
        waitingSince = NONE;
    }

    /** The push starts computing and sending now. */
    public void pushStarted() {
        long now = metrics.now();
        if (waitingSince != NONE) {
            metrics.queued(now - waitingSince);
            if (convergenceSince == NONE) {
                convergenceSince = waitingSince;
            }
            waitingSince = NONE;
        }
        pushing = true;
    }

    /** The push is over. */
    public void pushFinished() {
        pushing = false;
        if (awaiting == 0) {
            convergenceSince = NONE;
            rejectedSinceConverged = false;
        }
    }

    /** The current monotonic time in nanoseconds, to pass back to {@link #sent}. */
    public long now() {
        return metrics.now();
    }

    /**
     * A response went out.
     *
     * @param startedAt     when computing it started ({@link #now()})
     * @param sendStartedAt when handing it to gRPC started ({@link #now()})
     * @param bytes         its serialized size
     */
    public void sent(XdsType type, long startedAt, long sendStartedAt, int bytes) {
        metrics.pushed(type, startedAt, sendStartedAt, metrics.now(), bytes);
        if (pushing && convergenceSince != NONE && !awaitingAck[type.ordinal()]) {
            awaitingAck[type.ordinal()] = true;
            awaiting++;
        }
    }

    /** Handing a response to gRPC failed. */
    public void sendFailed(XdsType type) {
        metrics.sendFailed(type);
    }

    /** The proxy ACKed the latest response of {@code type}. */
    public void acked(XdsType type) {
        releaseRejects(type);
        if (settle(type)) {
            converge();
        }
    }

    /**
     * The proxy NACKed the latest response of {@code type}.
     *
     * @param grpcCode the {@code error_detail.code} of the request
     */
    public void nacked(XdsType type, int grpcCode) {
        metrics.rejected(type);
        if (node != null) {
            ControlPlaneMetrics.RejectKey key =
                    new ControlPlaneMetrics.RejectKey(type, node, ControlPlaneMetrics.grpcCodeName(grpcCode));
            metrics.addReject(key);
            if (rejects == null) {
                rejects = new HashMap<>();
            }
            rejects.merge(key, 1L, Long::sum);
        }
        if (settle(type)) {
            rejectedSinceConverged = true;
            converge();
        }
    }

    /** A request carried a nonce that is not the latest one sent for its type. */
    public void expiredNonce(XdsType type) {
        metrics.expiredNonce(type);
    }

    /** Generating resources for this stream failed. */
    public void internalError() {
        metrics.internalError();
    }

    /** The stream ended. */
    public void closed() {
        if (version != null) {
            metrics.clientDisconnected(version);
            version = null;
        }
        if (rejects != null) {
            rejects.forEach(metrics::releaseRejects);
            rejects = null;
        }
    }

    /** Marks the type's latest response answered; true if it was one a push is waiting for. */
    private boolean settle(XdsType type) {
        if (!awaitingAck[type.ordinal()]) {
            return false;
        }
        awaitingAck[type.ordinal()] = false;
        awaiting--;
        return true;
    }

    private void converge() {
        if (awaiting > 0 || convergenceSince == NONE) {
            return;
        }
        if (!rejectedSinceConverged) {
            metrics.converged(metrics.now() - convergenceSince);
        }
        convergenceSince = NONE;
        rejectedSinceConverged = false;
    }

    private void releaseRejects(XdsType type) {
        if (rejects == null) {
            return;
        }
        for (Iterator<Map.Entry<ControlPlaneMetrics.RejectKey, Long>> it = rejects.entrySet().iterator();
             it.hasNext(); ) {
            Map.Entry<ControlPlaneMetrics.RejectKey, Long> entry = it.next();
            if (entry.getKey().type() == type) {
                metrics.releaseRejects(entry.getKey(), entry.getValue());
                it.remove();
            }
        }
    }
}
