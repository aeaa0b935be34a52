package dev.skiff.controlplane.meshconfig;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * A tracing backend of MeshConfig's {@code extensionProviders}: the collector is a service of the mesh
 * ({@code service}: {@code <host>} or {@code <namespace>/<host>}, and {@code port}), reached through its
 * {@code outbound|<port>||<host>} cluster.
 */
public sealed interface TracingProvider permits TracingProvider.Zipkin, TracingProvider.OpenTelemetry {

    /** The provider's name, as Telemetry resources and {@code defaultProviders} name it. */
    String name();

    /** The collector's service: {@code <host>} or {@code <namespace>/<host>}. */
    String service();

    /** The collector's service port. */
    int port();

    /** The longest {@code http.url} tag, 0 for Envoy's default (256). */
    int maxTagLength();

    /**
     * {@code zipkin}: Zipkin v2 JSON spans posted to {@code path} (default {@code /api/v2/spans}), 128-bit trace
     * ids.
     */
    record Zipkin(String name, String service, int port, int maxTagLength, String path) implements TracingProvider {
        /** Istio's default Zipkin path. */
        public static final String DEFAULT_PATH = "/api/v2/spans";

        public Zipkin {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(service, "service");
            Objects.requireNonNull(path, "path");
        }
    }

    /**
     * {@code opentelemetry}: OTLP over gRPC ({@code http} null), or OTLP/HTTP protobuf when {@code http} is set.
     */
    record OpenTelemetry(String name, String service, int port, int maxTagLength, Http http)
            implements TracingProvider {
        public OpenTelemetry {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(service, "service");
        }
    }

    /**
     * OTLP/HTTP export settings.
     *
     * @param path    the request path, such as {@code /v1/traces}
     * @param timeout how long a request may take, null when not set
     * @param headers headers added to every request
     */
    record Http(String path, Duration timeout, List<Header> headers) {
        public Http {
            Objects.requireNonNull(path, "path");
            headers = List.copyOf(headers);
        }
    }

    /** A request header; a value given by {@code envName} is read from the control plane's environment. */
    record Header(String name, String value) {
        public Header {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(value, "value");
        }
    }
}
