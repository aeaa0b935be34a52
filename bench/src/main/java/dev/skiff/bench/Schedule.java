package dev.skiff.bench;

import java.time.Duration;

/**
 * The fixed timeline of an open-loop run. Request {@code seq} is due at {@code start + seq * 1s / rate}, whatever
 * happened to earlier requests; latency is measured from that intended time, so a stalled server or connection is
 * charged for the whole wait of every request queued behind it (coordinated omission corrected). Requests are dealt
 * round-robin to the connections: connection {@code c} sends {@code c, c + n, c + 2n, ...}. Requests due during the
 * warm-up are sent but not measured.
 *
 * @param rate        requests per second, 1 to 1,000,000
 * @param connections number of connections, at least 1
 * @param warmup      the unmeasured lead-in
 * @param duration    the measured window, at least 1 ms
 */
record Schedule(int rate, int connections, Duration warmup, Duration duration) {
    static final int MAX_RATE = 1_000_000;
    static final Duration MAX_TOTAL = Duration.ofHours(1);
    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    Schedule {
        if (rate < 1 || rate > MAX_RATE) {
            throw new IllegalArgumentException("--rate: " + rate + " (expected 1 to " + MAX_RATE + " requests per second)");
        }
        if (connections < 1) {
            throw new IllegalArgumentException("--connections: " + connections + " (expected >= 1)");
        }
        if (warmup.isNegative()) {
            throw new IllegalArgumentException("--warmup: " + warmup + " (expected >= 0)");
        }
        if (duration.toMillis() < 1) {
            throw new IllegalArgumentException("--duration: " + duration + " (expected >= 1ms)");
        }
        if (warmup.plus(duration).compareTo(MAX_TOTAL) > 0) {
            throw new IllegalArgumentException("--warmup plus --duration: " + warmup.plus(duration)
                    + " (expected at most " + MAX_TOTAL + ")");
        }
    }

    /** Requests in the whole run, warm-up included: every request whose intended time falls before the end. */
    long totalRequests() {
        return requestsBefore(warmup.plus(duration).toMillis());
    }

    /** Requests due during the warm-up; the first measured request has this sequence number. */
    long warmupRequests() {
        return requestsBefore(warmup.toMillis());
    }

    /** Requests due in the measured window. */
    long measuredRequests() {
        return totalRequests() - warmupRequests();
    }

    /** The intended send time of request {@code seq}, in {@link System#nanoTime()} units, for a run started at {@code start}. */
    long intendedNanos(long start, long seq) {
        return start + Math.multiplyExact(seq, NANOS_PER_SECOND) / rate;
    }

    /** Whether request {@code seq} is due in the measured window. */
    boolean isMeasured(long seq) {
        return seq >= warmupRequests();
    }

    /** The sequence number of the {@code k}-th request (from 0) of connection {@code connection}. */
    long sequence(int connection, long k) {
        return connection + k * connections;
    }

    /** How many requests connection {@code connection} sends in the whole run. */
    long requestsFor(int connection) {
        long total = totalRequests();
        return total > connection ? (total - connection + connections - 1) / connections : 0;
    }

    /**
     * How many of connection {@code connection}'s requests from its {@code k}-th on are due in the measured window:
     * the measured requests still unsent when a run is cut short.
     */
    long measuredFrom(int connection, long k) {
        long firstMeasuredK = Math.max(0, (warmupRequests() - connection + connections - 1) / connections);
        return Math.max(0, requestsFor(connection) - Math.max(k, firstMeasuredK));
    }

    /** Nanoseconds from the start to the end of the timeline (warm-up plus measured window). */
    long timelineNanos() {
        return warmup.plus(duration).toNanos();
    }

    /** Number of sequence numbers s >= 0 with s * 1000 / rate < millis, i.e. ceil(millis * rate / 1000). */
    private long requestsBefore(long millis) {
        return (millis * rate + 999) / 1000;
    }
}
