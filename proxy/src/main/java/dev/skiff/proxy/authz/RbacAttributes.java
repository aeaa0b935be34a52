package dev.skiff.proxy.authz;

import java.util.Map;

/** What RBAC matching reads of one request and its connection; null for what is unknown or absent. */
public interface RbacAttributes {

    /** The peer's principal, the URI SAN of its mTLS certificate, e.g. {@code spiffe://cluster.local/ns/a/sa/b}. */
    String principal();

    /** The address bytes of the connection's peer. */
    byte[] sourceAddress();

    /** The address bytes of the original client (X-Forwarded-For or proxy protocol), else the peer's. */
    byte[] remoteAddress();

    /** The address bytes the connection was accepted on. */
    byte[] destinationAddress();

    /** The port the connection was accepted on. */
    int destinationPort();

    /** The SNI the peer sent in its TLS handshake. */
    String requestedServerName();

    /** The request path without the query string. */
    String path();

    /**
     * A header's value (repeated headers joined by {@code ','}); pseudo-headers {@code :method} and
     * {@code :authority} too.
     *
     * @param lowerCaseName the header name in lower case
     */
    String header(String lowerCaseName);

    /**
     * The dynamic metadata an earlier filter of the request left under its name, such as the verified JWT payload of
     * {@code envoy.filters.http.jwt_authn} (key {@code payload}); values are JSON-like: strings, numbers, booleans,
     * lists and maps. Null when the filter left none.
     */
    default Map<String, Object> dynamicMetadata(String filter) {
        return null;
    }
}
