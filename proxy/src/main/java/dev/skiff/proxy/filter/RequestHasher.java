package dev.skiff.proxy.filter;

import dev.skiff.proxy.model.HashPolicy;
import dev.skiff.proxy.model.RequestHeadersView;
import dev.skiff.proxy.upstream.HashKeys;

import java.net.InetSocketAddress;
import java.util.List;

/**
 * A request's hash from its route's hash policies, as Envoy computes it: each policy that finds its key (header,
 * cookie, source IP, query parameter) hashes it with XXH64 and folds it into the result (rotate left by one, xor);
 * a terminal policy that produced a hash ends the evaluation. A cookie policy with a ttl whose cookie is missing
 * generates the cookie from the downstream peer's address (recorded on the context as the {@code Set-Cookie} value
 * for the response) and hashes it. Belongs to one event loop's router.
 */
final class RequestHasher {

    private long hash;

    /** The hash found by the last successful {@link #compute}. */
    long hash() {
        return hash;
    }

    /** @return whether any policy produced a hash (then {@link #hash()} has it) */
    boolean compute(List<HashPolicy> policies, RequestHeadersView request, RequestContext context) {
        boolean found = false;
        long result = 0;
        for (int i = 0; i < policies.size(); i++) {
            HashPolicy policy = policies.get(i);
            String key = key(policy, request, context);
            if (key == null) {
                continue;
            }
            long next = HashKeys.hash(key);
            result = found ? Long.rotateLeft(result, 1) ^ next : next;
            found = true;
            if (policy.terminal()) {
                break;
            }
        }
        hash = result;
        return found;
    }

    private static String key(HashPolicy policy, RequestHeadersView request, RequestContext context) {
        return switch (policy.kind()) {
            case HEADER -> request.header(policy.name());
            case COOKIE -> {
                String value = cookie(request.header("cookie"), policy.name());
                yield value != null || policy.ttl() == null ? value : generateCookie(policy, context);
            }
            case SOURCE_IP -> {
                InetSocketAddress remote = context.downstreamRemoteAddress();
                yield remote == null || remote.getAddress() == null ? null : remote.getAddress().getHostAddress();
            }
            case QUERY_PARAMETER -> queryParameter(request.path(), policy.name());
        };
    }

    /**
     * A cookie value derived from the downstream peer's address, so that one client keeps its value; the
     * {@code Set-Cookie} value (Envoy's format: quoted value, Max-Age, Path, HttpOnly) goes on the context.
     */
    private static String generateCookie(HashPolicy policy, RequestContext context) {
        InetSocketAddress remote = context.downstreamRemoteAddress();
        if (remote == null) {
            return null;
        }
        String value = String.format("%016x", HashKeys.hash(remote.toString()));
        StringBuilder setCookie = new StringBuilder(policy.name()).append("=\"").append(value).append('"');
        if (!policy.ttl().isZero()) {
            setCookie.append("; Max-Age=").append(policy.ttl().toSeconds());
        }
        if (!policy.path().isEmpty()) {
            setCookie.append("; Path=").append(policy.path());
        }
        context.hashCookie(setCookie.append("; HttpOnly").toString());
        return value;
    }

    /** The value of cookie {@code name} in a {@code Cookie} header (without surrounding quotes), or null. */
    static String cookie(String header, String name) {
        if (header == null) {
            return null;
        }
        int at = 0;
        int length = header.length();
        while (at < length) {
            int end = header.indexOf(';', at);
            if (end < 0) {
                end = length;
            }
            int start = at;
            while (start < end && header.charAt(start) == ' ') {
                start++;
            }
            int equals = header.indexOf('=', start);
            if (equals > 0 && equals < end && equals - start == name.length() && header.startsWith(name, start)) {
                String value = header.substring(equals + 1, end).strip();
                return value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")
                        ? value.substring(1, value.length() - 1) : value;
            }
            at = end + 1;
        }
        return null;
    }

    /** The value of the first query parameter {@code name} of a path, or null. */
    static String queryParameter(String path, String name) {
        int query = path.indexOf('?');
        if (query < 0) {
            return null;
        }
        int at = query + 1;
        int length = path.length();
        while (at < length) {
            int end = path.indexOf('&', at);
            if (end < 0) {
                end = length;
            }
            int equals = path.indexOf('=', at);
            int nameEnd = equals < 0 || equals > end ? end : equals;
            if (nameEnd - at == name.length() && path.startsWith(name, at)) {
                return nameEnd == end ? "" : path.substring(nameEnd + 1, end);
            }
            at = end + 1;
        }
        return null;
    }
}
