package dev.skiff.bench;

import java.util.List;

/**
 * The result of one fixed-rate run, as printed and as written to JSON ({@code kind} = {@code "latency"}).
 *
 * @param topology          what was measured (direct, nginx, haproxy, skiff), as given by {@code --topology}
 * @param repeat            which repeat of the same configuration this is, from 1
 * @param requestsScheduled requests due in the measured window
 * @param requestsCompleted of those, the ones answered (any status)
 * @param achievedRate      requests completed per second of the measured window
 * @param latencyMillis     latency from the intended send time to the end of the response
 * @param percentiles       the latency distribution at fixed percentiles, for plots
 * @param wakeupLagMillis   how late the load generator itself woke for requests due on an idle connection
 * @param processes         CPU and memory of the watched processes over the measured window
 * @param transport         the Netty transport used by the load generator (epoll or nio)
 */
record RunResult(String kind, String topology, int repeat, String target, boolean viaProxy, int rate, int connections,
                 double warmupSeconds, double durationSeconds, long requestsScheduled, long requestsCompleted,
                 double achievedRate, Errors errors, Latency latencyMillis, List<Percentile> percentiles,
                 WakeupLag wakeupLagMillis, List<ProcessSampler.ProcessCost> processes, String transport) {

    static final String KIND = "latency";

    /**
     * Failures among the measured requests, and failed connection attempts.
     *
     * @param timeouts requests with no complete response within the timeout
     * @param closed   requests lost to a connection that closed or failed first
     * @param non2xx   responses with a status outside 200-299 (their latency is recorded)
     * @param unsent   requests still unsent when the run's deadline passed
     */
    record Errors(long connectFailures, long timeouts, long closed, long non2xx, long unsent) {
        long total() {
            return connectFailures + timeouts + closed + non2xx + unsent;
        }
    }

    record Latency(double p50, double p90, double p99, double p999, double max, double mean) {
    }

    record Percentile(double percentile, double millis) {
    }

    /**
     * The load generator's own delay: for measured requests whose connection was idle when they fell due, how late
     * the timer fired. It is part of every latency figure, whatever the target; when it grows, the generator (or the
     * machine) is the bottleneck, not the target.
     *
     * @param samples requests it was measured on
     */
    record WakeupLag(long samples, double p50, double p99, double max) {
    }
}
