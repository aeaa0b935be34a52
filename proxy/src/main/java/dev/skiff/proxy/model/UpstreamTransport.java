package dev.skiff.proxy.model;

import java.util.List;

/**
 * A cluster's transport sockets: its {@code transport_socket} and its {@code transport_socket_matches}, the first
 * matching entry winning over the default, as in Envoy.
 *
 * @param defaultTls the cluster's {@code transport_socket}, or null for plaintext
 * @param matches    the transport socket matches in order
 */
public record UpstreamTransport(UpstreamTlsSpec defaultTls, List<TransportSocketMatch> matches) {

    /** Plaintext to every endpoint. */
    public static final UpstreamTransport PLAINTEXT = new UpstreamTransport(null, List.of());

    public UpstreamTransport {
        matches = matches == null ? List.of() : List.copyOf(matches);
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
