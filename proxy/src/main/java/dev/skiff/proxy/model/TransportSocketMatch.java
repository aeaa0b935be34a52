package dev.skiff.proxy.model;

import java.util.Map;

/**
 * One of a cluster's {@code transport_socket_matches}: endpoints whose {@code envoy.transport_socket_match}
 * metadata holds every entry of {@code match} use {@code tls} (null: plaintext).
 *
 * @param name  the match name, e.g. {@code tlsMode-istio}
 * @param match the metadata entries an endpoint must have; empty matches every endpoint
 * @param tls   the TLS origination, or null for plaintext
 */
public record TransportSocketMatch(String name, Map<String, String> match, UpstreamTlsSpec tls) {

    public TransportSocketMatch {
        name = name == null ? "" : name;
        match = match == null ? Map.of() : Map.copyOf(match);
    }

    /** Whether an endpoint with that transport socket match metadata takes this socket. */
    public boolean matches(Map<String, String> metadata) {
        for (Map.Entry<String, String> entry : match.entrySet()) {
            if (!entry.getValue().equals(metadata.get(entry.getKey()))) {
                return false;
            }
        }
        return true;
    }
}
