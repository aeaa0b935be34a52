package dev.skiff.proxy.model;

import java.time.Duration;

/**
 * A route's fault injection (Envoy's {@code envoy.filters.http.fault} per-route config): delay some requests, abort
 * some with an HTTP or gRPC status. Percentages are in millionths, as Envoy's fractional percents normalise.
 *
 * @param delay                   the fixed delay, null for none
 * @param delayPerMillion         share of requests delayed, 0..1,000,000
 * @param abortHttpStatus         the HTTP status of an abort (200..599), 0 when aborts answer with a gRPC status or
 *                                there is no abort
 * @param abortGrpcStatus         the gRPC status of an abort, -1 when none
 * @param abortPerMillion         share of requests aborted, 0..1,000,000
 */
public record FaultPolicy(Duration delay, int delayPerMillion, int abortHttpStatus, int abortGrpcStatus,
                          int abortPerMillion) {

    public static final int MILLION = 1_000_000;

    public FaultPolicy {
        if (delay != null && delay.isNegative()) {
            throw new IllegalArgumentException("fault delay " + delay + " (expected: >= 0)");
        }
        share(delayPerMillion, "fault delay percentage");
        share(abortPerMillion, "fault abort percentage");
        if (abortHttpStatus != 0 && (abortHttpStatus < 200 || abortHttpStatus > 599)) {
            throw new IllegalArgumentException("fault abort http_status " + abortHttpStatus
                    + " (expected: 200..599)");
        }
        if (abortGrpcStatus < -1) {
            throw new IllegalArgumentException("fault abort grpc_status " + abortGrpcStatus + " (expected: >= 0)");
        }
        if (abortHttpStatus != 0 && abortGrpcStatus >= 0) {
            throw new IllegalArgumentException("fault abort with both http_status " + abortHttpStatus
                    + " and grpc_status " + abortGrpcStatus + " (expected: one of them)");
        }
    }

    private static void share(int perMillion, String what) {
        if (perMillion < 0 || perMillion > MILLION) {
            throw new IllegalArgumentException(what + " " + perMillion + " per million (expected: 0..1000000)");
        }
    }

    public boolean hasDelay() {
        return delay != null;
    }

    public boolean hasAbort() {
        return abortHttpStatus != 0 || abortGrpcStatus >= 0;
    }
}
