package dev.skiff.bench.xds;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/** What all simulated sidecars report: bytes and responses received, initial sync, failures, the change in flight. */
final class SimulationState {
    private final int proxies;
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicLong responses = new AtomicLong();
    private final CountDownLatch synced;
    private final AtomicInteger failures = new AtomicInteger();
    private final AtomicReference<String> firstFailure = new AtomicReference<>();
    private volatile ChangeTracker change;

    SimulationState(int proxies) {
        this.proxies = proxies;
        this.synced = new CountDownLatch(proxies);
    }

    void received(int serializedBytes) {
        bytes.addAndGet(serializedBytes);
        responses.incrementAndGet();
    }

    long bytesReceived() {
        return bytes.get();
    }

    long responsesReceived() {
        return responses.get();
    }

    void synced(int proxy) {
        synced.countDown();
    }

    boolean awaitSynced(long timeout, TimeUnit unit) throws InterruptedException {
        return synced.await(timeout, unit);
    }

    int syncedCount() {
        return (int) (proxies - synced.getCount());
    }

    void failed(int proxy, Throwable cause) {
        failures.incrementAndGet();
        firstFailure.compareAndSet(null, "sidecar " + proxy + ": " + cause);
    }

    int failures() {
        return failures.get();
    }

    String firstFailure() {
        return firstFailure.get();
    }

    /** Starts tracking a change; sidecars look for it in what they receive from now on. */
    ChangeTracker track(ChangeProbe probe) {
        ChangeTracker tracker = new ChangeTracker(probe, proxies);
        change = tracker;
        return tracker;
    }

    ChangeTracker currentChange() {
        return change;
    }
}
