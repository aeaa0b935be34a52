package dev.skiff.controlplane.telemetryapi;

/**
 * The providers a Telemetry may name: Skiff's built-in ones, under the names Istio's default mesh configuration
 * gives them, and for tracing the mesh config's extension providers ({@link TracingProviders}). An empty provider
 * list means the built-in provider (for tracing: the mesh config's {@code defaultProviders.tracing} when set).
 */
public final class TelemetryProviders {
    /** The sidecar's Prometheus endpoint. */
    public static final String METRICS = "prometheus";
    /**
     * The sidecar's Zipkin reporter ({@code --zipkin-address}), unless the mesh config has an extension provider
     * of this name.
     */
    public static final String TRACING = "zipkin";
    /** The sidecar's JSON access log on standard output, Istio's {@code envoy} provider. */
    public static final String ACCESS_LOG = "envoy";

    private TelemetryProviders() {
    }
}
