package dev.skiff.bench;

import java.util.List;

/**
 * The result of one closed-loop gRPC run, as printed and as written to JSON ({@code kind} = {@code "grpc"}).
 *
 * @param load              how the load was driven, e.g. {@code 2 channels x 16 calls}
 * @param requests          calls answered with OK (and the whole payload) within the measured window
 * @param requestsPerSecond of those, per second of the measured window
 * @param latencyMillis     from the start of each call to its response, over the measured calls
 * @param processes         CPU and memory of the watched processes over the measured window
 */
record GrpcRunResult(String kind, String topology, int repeat, String target, String authority, String load,
                     int channels, int concurrency, int payloadBytes, double warmupSeconds, double durationSeconds,
                     long requests, double requestsPerSecond, Errors errors, RunResult.Latency latencyMillis,
                     List<ProcessSampler.ProcessCost> processes) {

    static final String KIND = Report.GRPC_KIND;

    /**
     * Calls that failed in the measured window.
     *
     * @param deadline calls without a response within the timeout
     * @param status   calls that ended with another non-OK status
     * @param payload  OK responses whose payload differed in size from the request's
     */
    record Errors(long deadline, long status, long payload) {
    }
}
