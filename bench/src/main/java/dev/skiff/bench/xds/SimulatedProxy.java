package dev.skiff.bench.xds;

import com.google.protobuf.MessageLite;
import io.grpc.stub.StreamObserver;

import java.util.List;
import java.util.function.Function;

/**
 * One simulated sidecar's ADS stream: hands each response to its {@link XdsSession}, sends what the session asks
 * for (the ACK first) and reports to the {@link SimulationState}. gRPC calls {@link #onNext} for one stream one at
 * a time; sends are serialized with the initial requests by the stream's monitor.
 *
 * @param <Q> request message type
 * @param <R> response message type
 */
final class SimulatedProxy<Q, R extends MessageLite> implements StreamObserver<R> {
    private final int index;
    private final XdsSession<Q, R> session;
    private final SimulationState state;
    private StreamObserver<Q> requests;
    private boolean syncReported;
    private boolean failed;

    SimulatedProxy(int index, XdsSession<Q, R> session, SimulationState state) {
        this.index = index;
        this.session = session;
        this.state = state;
    }

    /** Opens the stream with {@code open} (the stub call) and sends the first requests. */
    synchronized void start(Function<StreamObserver<R>, StreamObserver<Q>> open) {
        requests = open.apply(this);
        send(session.start());
    }

    @Override
    public synchronized void onNext(R response) {
        state.received(response.getSerializedSize());
        ChangeTracker tracker = state.currentChange();
        boolean looking = tracker != null && tracker.pending(index);
        XdsSession.Outcome<Q> outcome;
        try {
            outcome = session.onResponse(response, looking ? tracker.probe() : null);
        } catch (RuntimeException e) {
            fail(e);
            requests.onError(e);
            return;
        }
        send(outcome.requests());
        long now = System.nanoTime();
        if (outcome.carriesProbe()) {
            tracker.acked(index, now);
        }
        if (!syncReported && session.synced()) {
            syncReported = true;
            state.synced(index);
        }
    }

    private void send(List<Q> messages) {
        for (Q message : messages) {
            requests.onNext(message);
        }
    }

    @Override
    public synchronized void onError(Throwable t) {
        fail(t);
    }

    @Override
    public synchronized void onCompleted() {
        fail(new IllegalStateException("the control plane ended the stream"));
    }

    private void fail(Throwable cause) {
        if (!failed) {
            failed = true;
            state.failed(index, cause);
        }
    }

    /** Ends the stream from this side. */
    synchronized void stop() {
        if (requests != null) {
            requests.onCompleted();
        }
    }
}
