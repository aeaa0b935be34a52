package dev.skiff.proxy.telemetry;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Where a listener's spans go, from the HCM's {@code tracing.provider}: a collector reached through a cluster of
 * the sidecar's configuration.
 *
 * @param protocol    how spans are sent
 * @param cluster     the collector's cluster, whose endpoints receive the spans
 * @param authority   the collector's host name ({@code :authority} of gRPC calls, {@code Host} of HTTP requests)
 * @param path        the HTTP path (OTLP/HTTP and Zipkin); empty for gRPC
 * @param serviceName the service name spans are filed under (OTLP's {@code service.name}); empty for Zipkin,
 *                    which uses the sidecar's own
 * @param timeout     how long one export may take
 * @param headers     headers added to every export request (OTLP/HTTP)
 */
public record TracingProvider(Protocol protocol, String cluster, String authority, String path, String serviceName,
                              Duration timeout, List<Header> headers) {

    /** How long an export may take when the configuration does not say (Istio's default for HTTP services). */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);

    public TracingProvider {
        Objects.requireNonNull(protocol, "protocol");
        Objects.requireNonNull(cluster, "cluster");
        Objects.requireNonNull(authority, "authority");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(serviceName, "serviceName");
        Objects.requireNonNull(timeout, "timeout");
        headers = List.copyOf(headers);
    }

    /** The export protocols. */
    public enum Protocol {
        /** OTLP over gRPC: {@code opentelemetry.proto.collector.trace.v1.TraceService/Export}. */
        OTLP_GRPC,
        /** OTLP over HTTP: a protobuf {@code ExportTraceServiceRequest} posted to the path. */
        OTLP_HTTP,
        /** Zipkin v2 JSON posted to the path. */
        ZIPKIN
    }

    /** A request header added to every export. */
    public record Header(String name, String value) {
        public Header {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(value, "value");
        }
    }
}
