package dev.skiff.proxy.telemetry;

import java.util.Objects;

/**
 * What a listener's HTTP connection manager says about telemetry (from Istio's Telemetry resources): the metric
 * changes of its reporter, its tracing settings and whether it writes access logs. A listener without any keeps
 * the sidecar's own settings ({@link #DEFAULT}).
 *
 * @param metrics   the stats filter's changes to the standard metrics
 * @param tracing   sampling, span reporting and custom tags
 * @param accessLog whether requests are logged
 */
public record ListenerTelemetry(MetricsPolicy metrics, TracingPolicy tracing, AccessLogMode accessLog) {

    /** The sidecar's own settings: standard metrics, tracing and access logging as its options say. */
    public static final ListenerTelemetry DEFAULT = new ListenerTelemetry(MetricsPolicy.DEFAULT,
            TracingPolicy.DEFAULT, AccessLogMode.DEFAULT);

    public ListenerTelemetry {
        Objects.requireNonNull(metrics, "metrics");
        Objects.requireNonNull(tracing, "tracing");
        Objects.requireNonNull(accessLog, "accessLog");
    }

    /** Whether requests are logged. */
    public enum AccessLogMode {
        /** As the sidecar's {@code --access-log} option says. */
        DEFAULT,
        /** Every request is logged to standard output. */
        STDOUT,
        /** Nothing is logged. */
        OFF
    }
}
