package dev.skiff.proxy.model;

import java.time.Duration;
import java.util.Locale;

/**
 * One of a route's hash policies (Envoy's {@code RouteAction.HashPolicy}): what part of a request gives the hash that
 * a consistent-hash balancer (ring hash, Maglev) maps to a host.
 *
 * @param kind     where the key comes from
 * @param name     the header, cookie or query parameter name; empty for the source IP
 * @param path     the cookie's path when the proxy generates it, empty for none
 * @param ttl      the cookie's lifetime when the proxy generates it; null: a missing cookie gives no hash
 * @param terminal whether a hash from this policy ends the evaluation of the following ones
 */
public record HashPolicy(Kind kind, String name, String path, Duration ttl, boolean terminal) {

    /** Where a hash key comes from. */
    public enum Kind {
        /** A request header's value. */
        HEADER,
        /** A cookie's value (generated and set on the response when missing and a ttl is given). */
        COOKIE,
        /** The downstream connection's source address. */
        SOURCE_IP,
        /** A query parameter's value. */
        QUERY_PARAMETER
    }

    public HashPolicy {
        Validation.notNull(kind, "hash policy kind");
        Validation.notNull(name, "hash policy name");
        Validation.notNull(path, "hash policy cookie path");
        if (kind != Kind.SOURCE_IP && name.isEmpty()) {
            throw new IllegalArgumentException("hash policy " + kind + ": empty name (expected: a "
                    + kind.name().toLowerCase(Locale.ROOT).replace('_', ' ') + " name)");
        }
        if (ttl != null && ttl.isNegative()) {
            throw new IllegalArgumentException("hash policy cookie ttl " + ttl + " (expected: >= 0)");
        }
    }
}
