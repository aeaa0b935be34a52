package dev.skiff.proxy.xds.translate;

import dev.skiff.proxy.model.DirectResponseSpec;
import dev.skiff.proxy.model.LocalResponseSpec;
import dev.skiff.proxy.model.RedirectSpec;
import dev.skiff.proxy.model.Route;
import dev.skiff.proxy.model.RouteMatch;
import dev.skiff.proxy.model.RouteMutations;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.route.v3.DirectResponseAction;
import io.envoyproxy.envoy.config.route.v3.RedirectAction;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Routes the proxy answers itself: Envoy's {@code redirect} ({@code scheme_redirect}, {@code host_redirect},
 * {@code port_redirect}, {@code path_redirect} or {@code prefix_rewrite}, {@code strip_query},
 * {@code response_code}) and {@code direct_response} ({@code status} and an inline {@code body}).
 */
final class LocalResponseTranslator {
    private static final Set<String> ROUTE_FIELDS = routeFields();
    private static final Set<String> REDIRECT_FIELDS = Set.of("scheme_redirect", "https_redirect", "host_redirect",
            "port_redirect", "path_redirect", "prefix_rewrite", "strip_query", "response_code");
    private static final Set<String> DIRECT_FIELDS = Set.of("status", "body");
    private static final Set<String> BODY_FIELDS = Set.of("inline_string", "inline_bytes");

    private LocalResponseTranslator() {
    }

    private static Set<String> routeFields() {
        Set<String> fields = new HashSet<>(Set.of("name", "match", "redirect", "direct_response",
                "typed_per_filter_config"));
        fields.addAll(RouteMutationsTranslator.ROUTE_FIELDS);
        return Set.copyOf(fields);
    }

    static boolean answersLocally(io.envoyproxy.envoy.config.route.v3.Route route) {
        return route.hasRedirect() || route.hasDirectResponse();
    }

    static Route route(io.envoyproxy.envoy.config.route.v3.Route route, RouteMatch match, String where)
            throws TranslationException {
        Messages.requireOnly(route, where, ROUTE_FIELDS, Set.of("metadata", "decorator", "stat_prefix"));
        RouteMutations mutations = RouteMutationsTranslator.translate(route, where);
        LocalResponseSpec response = route.hasRedirect()
                ? redirect(route.getRedirect(), mutations, where + ": redirect")
                : directResponse(route.getDirectResponse(), mutations, where + ": direct_response");
        Map<String, Object> filterConfigs = HttpFilterTranslator.perRoute(route.getTypedPerFilterConfigMap(), where);
        return Messages.build(where, () -> new Route(route.getName(), match, null, filterConfigs, response));
    }

    private static RedirectSpec redirect(RedirectAction redirect, RouteMutations mutations, String where)
            throws TranslationException {
        Messages.requireOnly(redirect, where, REDIRECT_FIELDS, Set.of());
        String scheme = switch (redirect.getSchemeRewriteSpecifierCase()) {
            case HTTPS_REDIRECT -> redirect.getHttpsRedirect() ? "https" : null;
            case SCHEME_REDIRECT -> redirect.getSchemeRedirect().isEmpty() ? null : redirect.getSchemeRedirect();
            case SCHEMEREWRITESPECIFIER_NOT_SET -> null;
        };
        String path = redirect.getPathRedirect().isEmpty() ? null : redirect.getPathRedirect();
        String prefix = redirect.hasPrefixRewrite() ? redirect.getPrefixRewrite() : null;
        int status = switch (redirect.getResponseCode()) {
            case MOVED_PERMANENTLY -> 301;
            case FOUND -> 302;
            case SEE_OTHER -> 303;
            case TEMPORARY_REDIRECT -> 307;
            case PERMANENT_REDIRECT -> 308;
            default -> throw new TranslationException(where + ": response_code " + redirect.getResponseCodeValue()
                    + " (expected: MOVED_PERMANENTLY, FOUND, SEE_OTHER, TEMPORARY_REDIRECT or PERMANENT_REDIRECT)");
        };
        if (redirect.getPortRedirect() > 65535) {
            throw new TranslationException(where + ": port_redirect " + Integer.toUnsignedString(
                    redirect.getPortRedirect()) + " (expected: 1..65535)");
        }
        String host = redirect.getHostRedirect().isEmpty() ? null : redirect.getHostRedirect();
        return Messages.build(where, () -> new RedirectSpec(scheme, host, redirect.getPortRedirect(), path,
                prefix, redirect.getStripQuery(), status, mutations.responseHeaders()));
    }

    private static DirectResponseSpec directResponse(DirectResponseAction response, RouteMutations mutations,
                                                     String where) throws TranslationException {
        Messages.requireOnly(response, where, DIRECT_FIELDS, Set.of());
        byte[] body = new byte[0];
        if (response.hasBody()) {
            DataSource source = response.getBody();
            Messages.requireOnly(source, where + ": body", BODY_FIELDS, Set.of());
            body = switch (source.getSpecifierCase()) {
                case INLINE_STRING -> source.getInlineString().getBytes(StandardCharsets.UTF_8);
                case INLINE_BYTES -> source.getInlineBytes().toByteArray();
                default -> body;
            };
        }
        byte[] bytes = body;
        return Messages.build(where, () -> new DirectResponseSpec(response.getStatus(), bytes,
                mutations.responseHeaders()));
    }
}
