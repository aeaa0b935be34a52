package dev.skiff.proxy.route;

import dev.skiff.proxy.model.HeaderMatcher;

import java.util.List;

/**
 * A route's CORS policy (Envoy's {@code envoy.extensions.filters.http.cors.v3.CorsPolicy}), enforced by
 * {@link CorsFilter}.
 *
 * @param allowOrigins                 the origins allowed (any of them), matched against {@code Origin}
 * @param allowMethods                 {@code access-control-allow-methods} of preflight answers, empty for none
 * @param allowHeaders                 {@code access-control-allow-headers} of preflight answers, empty for none
 * @param exposeHeaders                {@code access-control-expose-headers} of actual responses, empty for none
 * @param maxAge                       {@code access-control-max-age} of preflight answers, empty for none
 * @param allowCredentials             whether {@code access-control-allow-credentials: true} is sent
 * @param forwardNotMatchingPreflights whether a preflight from an origin that is not allowed goes upstream (else
 *                                     the proxy answers it without CORS headers)
 */
public record CorsPolicy(List<HeaderMatcher> allowOrigins, String allowMethods, String allowHeaders,
                         String exposeHeaders, String maxAge, boolean allowCredentials,
                         boolean forwardNotMatchingPreflights) {

    public CorsPolicy {
        allowOrigins = List.copyOf(allowOrigins);
        allowMethods = allowMethods == null ? "" : allowMethods;
        allowHeaders = allowHeaders == null ? "" : allowHeaders;
        exposeHeaders = exposeHeaders == null ? "" : exposeHeaders;
        maxAge = maxAge == null ? "" : maxAge;
    }

    /** Whether requests from {@code origin} are allowed. */
    public boolean allows(String origin) {
        for (int i = 0, n = allowOrigins.size(); i < n; i++) {
            if (allowOrigins.get(i).matchesValue(origin)) {
                return true;
            }
        }
        return false;
    }
}
