package dev.skiff.proxy.xds.translate;

import dev.skiff.proxy.model.HeaderMatcher;
import dev.skiff.proxy.route.CorsPolicy;
import io.envoyproxy.envoy.config.core.v3.RuntimeFractionalPercent;
import io.envoyproxy.envoy.extensions.filters.http.cors.v3.Cors;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The CORS filter's configuration: empty at the listener, as Istio writes it, and a {@code CorsPolicy} per route
 * (allowed origins as string matchers, the header lists, max age, credentials, whether unmatched preflights are
 * forwarded). The filter must be enabled for every request; shadow mode and private network access are refused.
 */
final class CorsTranslator {
    private static final Set<String> POLICY_FIELDS = Set.of("allow_origin_string_match", "allow_methods",
            "allow_headers", "expose_headers", "max_age", "allow_credentials", "filter_enabled",
            "forward_not_matching_preflights");
    private static final Set<String> ENABLED_FIELDS = Set.of("default_value");

    private CorsTranslator() {
    }

    static void requireListenerLevel(Cors cors, String where) throws TranslationException {
        if (!cors.equals(Cors.getDefaultInstance())) {
            throw new TranslationException(where + ": listener-level CORS configuration unsupported (expected: an"
                    + " empty Cors, with the policies in the routes' typed_per_filter_config)");
        }
    }

    static CorsPolicy policy(io.envoyproxy.envoy.extensions.filters.http.cors.v3.CorsPolicy policy, String where)
            throws TranslationException {
        Messages.requireOnly(policy, where, POLICY_FIELDS, Set.of());
        if (policy.hasFilterEnabled()) {
            RuntimeFractionalPercent enabled = policy.getFilterEnabled();
            Messages.requireOnly(enabled, where + ": filter_enabled", ENABLED_FIELDS, Set.of("runtime_key"));
            if (HttpFilterTranslator.perMillion(enabled.getDefaultValue(), where + ": filter_enabled: default_value")
                    < 1_000_000) {
                throw new TranslationException(where + ": filter_enabled below 100% unsupported (expected: 100%)");
            }
        }
        List<HeaderMatcher> origins = new ArrayList<>(policy.getAllowOriginStringMatchCount());
        for (StringMatcher origin : policy.getAllowOriginStringMatchList()) {
            origins.add(RouteTranslator.stringMatchHeader("origin", origin, where + ": allow_origin_string_match"));
        }
        boolean forward = !policy.hasForwardNotMatchingPreflights()
                || policy.getForwardNotMatchingPreflights().getValue();
        return Messages.build(where, () -> new CorsPolicy(origins, policy.getAllowMethods(), policy.getAllowHeaders(),
                policy.getExposeHeaders(), policy.getMaxAge(),
                policy.hasAllowCredentials() && policy.getAllowCredentials().getValue(), forward));
    }
}
