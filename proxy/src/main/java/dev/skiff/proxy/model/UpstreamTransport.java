package dev.skiff.proxy.model;

import java.util.List;

/**
 * A cluster's transport sockets: its {@code transport_socket} and its {@code transport_socket_matches}, the first
 * matching entry winning over the default, as in Envoy; and whether its connections run Istio's TCP metadata
 * exchange (the cluster's {@code istio.metadata_exchange} filter).
 *
 * @param defaultTls       the cluster's {@code transport_socket}, or null for plaintext
 * @param matches          the transport socket matches in order
 * @param metadataExchange whether a raw (TCP) connection whose TLS handshake negotiated {@code istio-peer-exchange}
 *                         exchanges workload metadata with the server's sidecar before its bytes
 */
public record UpstreamTransport(UpstreamTlsSpec defaultTls, List<TransportSocketMatch> matches,
                                boolean metadataExchange) {

    /** Plaintext to every endpoint. */
    public static final UpstreamTransport PLAINTEXT = new UpstreamTransport(null, List.of());

    public UpstreamTransport {
        matches = matches == null ? List.of() : List.copyOf(matches);
    }

    /** Transport sockets without the metadata exchange. */
    public UpstreamTransport(UpstreamTlsSpec defaultTls, List<TransportSocketMatch> matches) {
        this(defaultTls, matches, false);
    }

    /** These transport sockets with the metadata exchange. */
    public UpstreamTransport withMetadataExchange() {
        return new UpstreamTransport(defaultTls, matches, true);
    }

    /** The TLS origination to that endpoint, or null for plaintext. */
    public UpstreamTlsSpec tlsFor(Endpoint endpoint) {
        for (int i = 0, n = matches.size(); i < n; i++) {
            TransportSocketMatch match = matches.get(i);
            if (match.matches(endpoint.transportSocketMetadata())) {
                return match.tls();
            }
        }
        return defaultTls;
    }
}
