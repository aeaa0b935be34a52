package dev.skiff.controlplane.config;

import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/** Runs a task once after a delay. Injected so that code with timers can be tested without sleeping. */
@FunctionalInterface
public interface DelayScheduler {
    /** Runs {@code task} once, {@code delay} from now, unless cancelled first. */
    Cancellable schedule(Duration delay, Runnable task);

    /** A scheduled task that can still be cancelled. */
    @FunctionalInterface
    interface Cancellable {
        void cancel();
    }

    /** Schedules on {@code executor}. */
    static DelayScheduler of(ScheduledExecutorService executor) {
        return (delay, task) -> {
            ScheduledFuture<?> future = executor.schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
            return () -> future.cancel(false);
        };
    }
}
