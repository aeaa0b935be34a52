package dev.skiff.proxy.model;

import java.util.List;

/**
 * The conditions a request must meet for a route to apply; all of them must hold.
 *
 * @param path            the path condition
 * @param caseSensitive   whether exact and prefix path comparisons respect case (Envoy's default: true)
 * @param headers         header conditions, including {@code :method}
 * @param queryParameters query parameter conditions
 */
public record RouteMatch(PathMatcher path, boolean caseSensitive, List<HeaderMatcher> headers,
                         List<QueryParameterMatcher> queryParameters) {

    public RouteMatch {
        Validation.notNull(path, "route match path");
        headers = List.copyOf(Validation.notNull(headers, "route match headers"));
        queryParameters = List.copyOf(Validation.notNull(queryParameters, "route match query parameters"));
    }

    /** A case-sensitive match on a path condition alone. */
    public static RouteMatch path(PathMatcher path) {
        return new RouteMatch(path, true, List.of(), List.of());
    }

    /** Matches requests whose path starts with {@code prefix}. */
    public static RouteMatch prefix(String prefix) {
        return path(PathMatcher.prefix(prefix));
    }

    /** Matches every request. */
    public static RouteMatch any() {
        return path(PathMatcher.any());
    }

    public boolean matches(RequestHeadersView request) {
        String requestPath = request.path();
        int queryStart = requestPath.indexOf('?');
        if (queryStart < 0) {
            queryStart = requestPath.length();
        }
        if (!path.matches(requestPath, queryStart, caseSensitive)) {
            return false;
        }
        for (int i = 0, n = headers.size(); i < n; i++) {
            if (!headers.get(i).matches(request)) {
                return false;
            }
        }
        for (int i = 0, n = queryParameters.size(); i < n; i++) {
            if (!queryParameters.get(i).matches(requestPath, queryStart)) {
                return false;
            }
        }
        return true;
    }
}
