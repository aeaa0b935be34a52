package dev.skiff.proxy.telemetry;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.util.List;

/**
 * The registry of the sidecar's Istio standard metrics and their exact names, types and buckets. Meters live in a
 * Micrometer {@link PrometheusMeterRegistry}; the exposition is Skiff's own {@link IstioTextWriter}, because the
 * stock Prometheus writer prints bucket bounds as Java doubles ({@code le="1.0"}, {@code le="1800000.0"}) where Envoy
 * prints {@code le="1"} and {@code le="1.8e+06"}, and adds a {@code _max} gauge per histogram that Istio does not
 * export.
 */
public final class IstioMetrics {

    /** Content type of the Prometheus text format. */
    public static final String TEXT_FORMAT = "text/plain; version=0.0.4; charset=utf-8";

    public static final String REQUESTS_TOTAL = "istio_requests_total";
    public static final String REQUEST_DURATION = "istio_request_duration_milliseconds";
    public static final String REQUEST_BYTES = "istio_request_bytes";
    public static final String RESPONSE_BYTES = "istio_response_bytes";
    public static final String REQUEST_MESSAGES_TOTAL = "istio_request_messages_total";
    public static final String RESPONSE_MESSAGES_TOTAL = "istio_response_messages_total";
    public static final String TCP_SENT_BYTES_TOTAL = "istio_tcp_sent_bytes_total";
    public static final String TCP_RECEIVED_BYTES_TOTAL = "istio_tcp_received_bytes_total";
    public static final String TCP_CONNECTIONS_OPENED_TOTAL = "istio_tcp_connections_opened_total";
    public static final String TCP_CONNECTIONS_CLOSED_TOTAL = "istio_tcp_connections_closed_total";

    /** Envoy's default histogram buckets, which Istio's standard histograms use. */
    static final double[] BUCKETS = {0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000,
            300000, 600000, 1800000, 3600000};

    /** The label names of the request metrics, in Istio's order. */
    public static final List<String> REQUEST_LABELS = List.of("reporter", "source_workload",
            "source_canonical_service", "source_canonical_revision", "source_workload_namespace", "source_principal",
            "source_app", "source_version", "source_cluster", "destination_workload",
            "destination_workload_namespace", "destination_principal", "destination_app", "destination_version",
            "destination_service", "destination_service_name", "destination_service_namespace",
            "destination_canonical_service", "destination_canonical_revision", "destination_cluster",
            "request_protocol", "response_code", "grpc_response_status", "response_flags",
            "connection_security_policy");


    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

    /** The registry, for tests and for metrics of other components. */
    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /** A counter exported as {@code name} with {@code tags}. */
    Counter counter(String name, Tags tags) {
        return Counter.builder(name).tags(tags).register(registry);
    }

    /** A histogram with Envoy's default buckets, exported as {@code name}. */
    DistributionSummary histogram(String name, Tags tags) {
        return DistributionSummary.builder(name).tags(tags).serviceLevelObjectives(BUCKETS).register(registry);
    }

    /** Every Istio metric in the Prometheus text format 0.0.4, as Envoy writes it. */
    public String scrape() {
        return IstioTextWriter.write(registry.getMeters());
    }

    /** The Istio counters, one {@code name{labels} value} line each, for a human (the admin port's /stats). */
    public String humanReadable() {
        StringBuilder out = new StringBuilder();
        List<Meter> meters = registry.getMeters().stream()
                .filter(meter -> meter instanceof Counter)
                .sorted((a, b) -> a.getId().toString().compareTo(b.getId().toString()))
                .toList();
        for (Meter meter : meters) {
            out.append(meter.getId().getName());
            meter.getId().getTagsAsIterable().forEach(tag -> {
                if (!tag.getValue().equals(WorkloadMetadata.UNKNOWN)) {
                    out.append(' ').append(tag.getKey()).append('=').append(tag.getValue());
                }
            });
            out.append(": ").append((long) ((Counter) meter).count()).append('\n');
        }
        return out.toString();
    }
}
