package dev.skiff.controlplane.config;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** A clock and a scheduler whose time moves only when a test calls {@link #advance}. Not thread-safe. */
final class ManualTime extends Clock implements DelayScheduler {
    private record Task(Instant due, long order, Runnable action, boolean[] cancelled) {
    }

    private final List<Task> tasks = new ArrayList<>();
    private Instant now = Instant.parse("2030-01-01T00:00:00Z");
    private long scheduled;

    @Override
    public Cancellable schedule(Duration delay, Runnable task) {
        boolean[] cancelled = {false};
        tasks.add(new Task(now.plus(delay), scheduled++, task, cancelled));
        return () -> cancelled[0] = true;
    }

    /** Moves time forward, running each task when its time comes, in order. */
    void advance(Duration duration) {
        Instant end = now.plus(duration);
        while (true) {
            Task next = tasks.stream()
                    .filter(task -> !task.due().isAfter(end))
                    .min(Comparator.comparing(Task::due).thenComparingLong(Task::order))
                    .orElse(null);
            if (next == null) {
                break;
            }
            tasks.remove(next);
            if (next.due().isAfter(now)) {
                now = next.due();
            }
            if (!next.cancelled()[0]) {
                next.action().run();
            }
        }
        now = end;
    }

    int pendingTasks() {
        return (int) tasks.stream().filter(task -> !task.cancelled()[0]).count();
    }

    @Override
    public Instant instant() {
        return now;
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        throw new UnsupportedOperationException("a manual clock has one zone");
    }
}
