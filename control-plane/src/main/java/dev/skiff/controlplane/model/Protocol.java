package dev.skiff.controlplane.model;

import java.util.Locale;
import java.util.Optional;

/** The application protocol of a service port, as named in a ServiceEntry or Sidecar port. */
public enum Protocol {
    HTTP, HTTP2, GRPC, GRPC_WEB, HTTPS, TLS, TCP, MONGO, MYSQL, REDIS;

    /** Served through an HTTP connection manager and RDS (HTTP, HTTP2, GRPC, GRPC-WEB). */
    public boolean isHttp() {
        return this == HTTP || this == HTTP2 || this == GRPC || this == GRPC_WEB;
    }

    /** Upstream connections must speak HTTP/2 (HTTP2, GRPC, GRPC-WEB). */
    public boolean isHttp2() {
        return this == HTTP2 || this == GRPC || this == GRPC_WEB;
    }

    /** Carries TLS the sidecar passes through, routed by SNI (TLS, HTTPS). */
    public boolean isTls() {
        return this == TLS || this == HTTPS;
    }

    /**
     * The protocol of a port: its {@code protocol} field when set, else Istio's port naming convention
     * ({@code http}, {@code http-web}, {@code grpc-api}, ...), else TCP.
     *
     * @throws IllegalArgumentException if {@code protocol} is set to a name Skiff does not know
     */
    public static Protocol of(String protocol, String portName) {
        if (!protocol.isEmpty()) {
            return parse(protocol).orElseThrow(() -> new IllegalArgumentException("protocol: " + protocol
                    + " (expected: one of HTTP, HTTP2, GRPC, GRPC-WEB, HTTPS, TLS, TCP, MONGO, MYSQL, REDIS)"));
        }
        int dash = portName.indexOf('-');
        String prefix = dash < 0 ? portName : portName.substring(0, dash);
        return parse(prefix).orElse(TCP);
    }

    private static Optional<Protocol> parse(String name) {
        String normalized = name.toUpperCase(Locale.ROOT).replace('-', '_');
        for (Protocol protocol : values()) {
            if (protocol.name().equals(normalized)) {
                return Optional.of(protocol);
            }
        }
        return Optional.empty();
    }
}
