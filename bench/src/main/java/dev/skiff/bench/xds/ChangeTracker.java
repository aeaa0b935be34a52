package dev.skiff.bench.xds;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Which simulated sidecars have ACKed the response that carried one change, and when (the first time each did).
 * Safe to call from any thread.
 */
final class ChangeTracker {
    private final ChangeProbe probe;
    private final AtomicLongArray ackedAt;
    private final CountDownLatch remaining;

    ChangeTracker(ChangeProbe probe, int proxies) {
        this.probe = probe;
        this.ackedAt = new AtomicLongArray(proxies);
        this.remaining = new CountDownLatch(proxies);
    }

    ChangeProbe probe() {
        return probe;
    }

    /** Whether sidecar {@code proxy} still has to receive the change (and so should look for it). */
    boolean pending(int proxy) {
        return ackedAt.get(proxy) == 0;
    }

    /** Sidecar {@code proxy} ACKed a response carrying the change at {@code nanoTime}; later calls are ignored. */
    void acked(int proxy, long nanoTime) {
        long stamp = nanoTime == 0 ? 1 : nanoTime;
        if (ackedAt.compareAndSet(proxy, 0, stamp)) {
            remaining.countDown();
        }
    }

    /** Waits until every sidecar ACKed the change; false on timeout. */
    boolean await(long timeout, TimeUnit unit) throws InterruptedException {
        return remaining.await(timeout, unit);
    }

    int ackedCount() {
        return (int) (ackedAt.length() - remaining.getCount());
    }

    /** The latest ACK time, in {@link System#nanoTime()} terms; 0 when none arrived. */
    long lastAck() {
        long last = 0;
        for (int i = 0; i < ackedAt.length(); i++) {
            long t = ackedAt.get(i);
            if (t != 0 && (last == 0 || t - last > 0)) {
                last = t;
            }
        }
        return last;
    }
}
