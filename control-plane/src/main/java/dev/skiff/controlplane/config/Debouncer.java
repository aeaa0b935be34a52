package dev.skiff.controlplane.config;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * Turns bursts of signals into single runs of an action: the action runs once no signal came for the quiet period,
 * or once the first unhandled signal is {@code maxWait} old, whichever comes first. The action runs on the
 * scheduler's thread; signals that arrive while it runs start the next burst.
 */
public final class Debouncer {
    private final Duration quietPeriod;
    private final Duration maxWait;
    private final DelayScheduler scheduler;
    private final Clock clock;
    private final Runnable action;

    private Instant firstSignal;
    private Instant lastSignal;
    private DelayScheduler.Cancellable timer;
    private boolean closed;

    /**
     * @param quietPeriod how long signals must stop before the action runs (e.g. 100 ms)
     * @param maxWait     the longest a signal waits for the action while signals keep coming (e.g. 1 s)
     */
    public Debouncer(Duration quietPeriod, Duration maxWait, DelayScheduler scheduler, Clock clock, Runnable action) {
        if (quietPeriod.isNegative() || quietPeriod.isZero()) {
            throw new IllegalArgumentException("quietPeriod: " + quietPeriod + " (expected: > 0)");
        }
        if (maxWait.compareTo(quietPeriod) < 0) {
            throw new IllegalArgumentException("maxWait: " + maxWait + " (expected: >= quietPeriod " + quietPeriod
                    + ")");
        }
        this.quietPeriod = quietPeriod;
        this.maxWait = maxWait;
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.action = Objects.requireNonNull(action, "action");
    }

    /** Notes that something changed; the action will run after the quiet period or the max wait. */
    public synchronized void signal() {
        if (closed) {
            return;
        }
        Instant now = clock.instant();
        if (firstSignal == null) {
            firstSignal = now;
        }
        lastSignal = now;
        if (timer == null) {
            timer = scheduler.schedule(Duration.between(now, deadline()), this::onTimer);
        }
    }

    /** Drops any pending run; later signals are ignored. */
    public synchronized void close() {
        closed = true;
        firstSignal = null;
        if (timer != null) {
            timer.cancel();
            timer = null;
        }
    }

    private Instant deadline() {
        Instant quiet = lastSignal.plus(quietPeriod);
        Instant latest = firstSignal.plus(maxWait);
        return quiet.isBefore(latest) ? quiet : latest;
    }

    private void onTimer() {
        synchronized (this) {
            timer = null;
            if (closed || firstSignal == null) {
                return;
            }
            Instant now = clock.instant();
            Instant deadline = deadline();
            if (now.isBefore(deadline)) {
                timer = scheduler.schedule(Duration.between(now, deadline), this::onTimer);
                return;
            }
            firstSignal = null;
            lastSignal = null;
        }
        action.run();
    }
}
