package dev.skiff.controlplane.xds.generator;

import com.google.protobuf.Any;
import com.google.protobuf.BoolValue;
import dev.skiff.api.networking.v1alpha3.CorsPolicy;
import dev.skiff.api.networking.v1alpha3.Destination;
import dev.skiff.api.networking.v1alpha3.HTTPDirectResponse;
import dev.skiff.api.networking.v1alpha3.HTTPMirrorPolicy;
import dev.skiff.api.networking.v1alpha3.HTTPRedirect;
import dev.skiff.api.networking.v1alpha3.HTTPRoute;
import dev.skiff.api.networking.v1alpha3.HTTPRouteDestination;
import dev.skiff.api.networking.v1alpha3.Headers;
import dev.skiff.api.networking.v1alpha3.StringMatch;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.RuntimeFractionalPercent;
import io.envoyproxy.envoy.config.route.v3.DirectResponseAction;
import io.envoyproxy.envoy.config.route.v3.RedirectAction;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.envoyproxy.envoy.extensions.filters.http.cors.v3.Cors;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.envoyproxy.envoy.type.v3.FractionalPercent;

import java.util.function.Function;

/**
 * The route actions of a VirtualService {@code http[]} entry besides forwarding, and the per-destination and CORS
 * settings, written as Istio's route translation writes them: {@code redirect} as a {@code RedirectAction},
 * {@code directResponse} as a {@code DirectResponseAction}, {@code route[].headers} on the weighted cluster (on the
 * route when there is a single destination), {@code corsPolicy} as the CORS filter's per-route configuration, and
 * {@code mirror}/{@code mirrors} as the action's request mirror policies.
 */
public final class RouteActions {

    /** The CORS filter's name, the key of its per-route configuration. */
    public static final String CORS = "envoy.filters.http.cors";
    /** Istio writes a redirect path starting with this marker as a prefix rewrite. */
    static final String PREFIX_MARKER = "%PREFIX()%";

    private static final HttpFilter CORS_FILTER = HttpFilter.newBuilder()
            .setName(CORS)
            .setTypedConfig(Any.pack(Cors.getDefaultInstance()))
            .build();

    private RouteActions() {
    }

    /** The (empty) CORS filter Istio lists on every sidecar HTTP connection manager before the fault filter. */
    public static HttpFilter corsFilter() {
        return CORS_FILTER;
    }

    /** Whether the entry is answered by the proxy itself (a redirect or a direct response), without destination. */
    static boolean answersLocally(HTTPRoute httpRoute) {
        return httpRoute.hasRedirect() || httpRoute.hasDirectResponse();
    }

    /**
     * Sets the redirect or direct response of {@code httpRoute} as the route's action.
     *
     * @param port the route configuration's port, which {@code derivePort: FROM_REQUEST_PORT} stands for (as in
     *             Istio, routes are generated per port)
     */
    static void applyLocalAction(Route.Builder route, HTTPRoute httpRoute, int port) {
        if (httpRoute.hasRedirect()) {
            route.setRedirect(redirect(httpRoute.getRedirect(), port));
        } else {
            route.setDirectResponse(directResponse(httpRoute.getDirectResponse()));
        }
    }

    static RedirectAction redirect(HTTPRedirect redirect, int port) {
        RedirectAction.Builder action = RedirectAction.newBuilder().setHostRedirect(redirect.getAuthority());
        if (redirect.getUri().startsWith(PREFIX_MARKER)) {
            action.setPrefixRewrite(redirect.getUri().substring(PREFIX_MARKER.length()));
        } else if (!redirect.getUri().isEmpty()) {
            action.setPathRedirect(redirect.getUri());
        }
        if (!redirect.getScheme().isEmpty()) {
            action.setSchemeRedirect(redirect.getScheme());
        }
        switch (redirect.getRedirectPortCase()) {
            case PORT -> action.setPortRedirect(redirect.getPort());
            case DERIVE_PORT -> {
                if (redirect.getDerivePort() == HTTPRedirect.RedirectPortSelection.FROM_REQUEST_PORT) {
                    action.setPortRedirect(port);
                }
            }
            case REDIRECTPORT_NOT_SET -> {
            }
        }
        action.setResponseCode(switch (redirect.getRedirectCode()) {
            case 302 -> RedirectAction.RedirectResponseCode.FOUND;
            case 303 -> RedirectAction.RedirectResponseCode.SEE_OTHER;
            case 307 -> RedirectAction.RedirectResponseCode.TEMPORARY_REDIRECT;
            case 308 -> RedirectAction.RedirectResponseCode.PERMANENT_REDIRECT;
            default -> RedirectAction.RedirectResponseCode.MOVED_PERMANENTLY;
        });
        return action.build();
    }

    static DirectResponseAction directResponse(HTTPDirectResponse response) {
        DirectResponseAction.Builder action = DirectResponseAction.newBuilder().setStatus(response.getStatus());
        if (response.hasBody()) {
            switch (response.getBody().getSpecifierCase()) {
                case STRING -> action.setBody(DataSource.newBuilder().setInlineString(response.getBody().getString()));
                case BYTES -> action.setBody(DataSource.newBuilder().setInlineBytes(response.getBody().getBytes()));
                case SPECIFIER_NOT_SET -> {
                }
            }
        }
        return action.build();
    }

    /**
     * What lives on the route besides its action: the header operations of a single destination (Istio folds them
     * into the route's) and, for sidecars, the CORS policy as the CORS filter's per-route configuration.
     */
    static void applyRouteFields(Route.Builder route, HTTPRoute httpRoute, boolean sidecar) {
        if (httpRoute.getRouteCount() == 1 && httpRoute.getRoute(0).hasHeaders()) {
            Headers headers = httpRoute.getRoute(0).getHeaders();
            Route.Builder operations = Route.newBuilder();
            RoutePolicies.headers(operations, headers);
            route.addAllRequestHeadersToAdd(operations.getRequestHeadersToAddList())
                    .addAllRequestHeadersToRemove(operations.getRequestHeadersToRemoveList())
                    .addAllResponseHeadersToAdd(operations.getResponseHeadersToAddList())
                    .addAllResponseHeadersToRemove(operations.getResponseHeadersToRemoveList());
        }
        if (sidecar && httpRoute.hasCorsPolicy()) {
            route.putTypedPerFilterConfig(CORS, Any.pack(corsPolicy(httpRoute.getCorsPolicy())));
        }
    }

    /** A destination's header operations on its weighted cluster, applied only when that destination is picked. */
    static void destinationHeaders(WeightedCluster.ClusterWeight.Builder cluster, HTTPRouteDestination destination) {
        if (!destination.hasHeaders()) {
            return;
        }
        Route.Builder operations = Route.newBuilder();
        RoutePolicies.headers(operations, destination.getHeaders());
        cluster.addAllRequestHeadersToAdd(operations.getRequestHeadersToAddList())
                .addAllRequestHeadersToRemove(operations.getRequestHeadersToRemoveList())
                .addAllResponseHeadersToAdd(operations.getResponseHeadersToAddList())
                .addAllResponseHeadersToRemove(operations.getResponseHeadersToRemoveList());
    }

    /**
     * Istio's mirroring: {@code mirror} with {@code mirrorPercentage} (or the deprecated integer
     * {@code mirrorPercent}; 100% when neither is set, no mirror at 0%), then each of {@code mirrors} with its
     * {@code percentage} (100% when unset, left out at 0%), as request mirror policies with a runtime fraction and
     * trace sampling off.
     *
     * @param clusterName the outbound cluster a destination stands for
     */
    static void applyMirrors(RouteAction.Builder action, HTTPRoute httpRoute,
                             Function<Destination, String> clusterName) {
        if (httpRoute.hasMirror()) {
            FractionalPercent share = null;
            if (httpRoute.hasMirrorPercentage()) {
                if (httpRoute.getMirrorPercentage().getValue() > 0) {
                    share = RoutePolicies.percent(httpRoute.getMirrorPercentage());
                }
            } else if (httpRoute.hasMirrorPercent()) {
                if (httpRoute.getMirrorPercent().getValue() > 0) {
                    share = hundredths(httpRoute.getMirrorPercent().getValue());
                }
            } else {
                share = hundredths(100);
            }
            if (share != null) {
                action.addRequestMirrorPolicies(mirror(clusterName.apply(httpRoute.getMirror()), share));
            }
        }
        for (HTTPMirrorPolicy mirror : httpRoute.getMirrorsList()) {
            if (!mirror.hasDestination()) {
                continue;
            }
            if (!mirror.hasPercentage()) {
                action.addRequestMirrorPolicies(mirror(clusterName.apply(mirror.getDestination()), hundredths(100)));
            } else if (mirror.getPercentage().getValue() > 0) {
                action.addRequestMirrorPolicies(mirror(clusterName.apply(mirror.getDestination()),
                        RoutePolicies.percent(mirror.getPercentage())));
            }
        }
    }

    private static RouteAction.RequestMirrorPolicy mirror(String cluster, FractionalPercent share) {
        return RouteAction.RequestMirrorPolicy.newBuilder()
                .setCluster(cluster)
                .setRuntimeFraction(RuntimeFractionalPercent.newBuilder().setDefaultValue(share))
                .setTraceSampled(BoolValue.of(false))
                .build();
    }

    private static FractionalPercent hundredths(int percent) {
        return FractionalPercent.newBuilder().setNumerator(percent)
                .setDenominator(FractionalPercent.DenominatorType.HUNDRED).build();
    }

    /**
     * Istio's CORS translation: origins as string matchers (the deprecated {@code allowOrigin} as exact ones), lists
     * joined with commas, {@code maxAge} in seconds, the filter enabled for every request, and unmatched preflights
     * forwarded unless {@code unmatchedPreflights: IGNORE}.
     */
    static io.envoyproxy.envoy.extensions.filters.http.cors.v3.CorsPolicy corsPolicy(CorsPolicy policy) {
        io.envoyproxy.envoy.extensions.filters.http.cors.v3.CorsPolicy.Builder out =
                io.envoyproxy.envoy.extensions.filters.http.cors.v3.CorsPolicy.newBuilder()
                        .setForwardNotMatchingPreflights(BoolValue.of(
                                policy.getUnmatchedPreflights() != CorsPolicy.UnmatchedPreflights.IGNORE))
                        .setFilterEnabled(RuntimeFractionalPercent.newBuilder().setDefaultValue(hundredths(100)));
        if (policy.getAllowOriginsCount() > 0) {
            for (StringMatch origin : policy.getAllowOriginsList()) {
                if (origin.getMatchTypeCase() != StringMatch.MatchTypeCase.MATCHTYPE_NOT_SET) {
                    out.addAllowOriginStringMatch(originMatcher(origin));
                }
            }
        } else {
            for (String origin : policy.getAllowOriginList()) {
                out.addAllowOriginStringMatch(StringMatcher.newBuilder().setExact(origin));
            }
        }
        if (policy.hasAllowCredentials()) {
            out.setAllowCredentials(policy.getAllowCredentials());
        }
        out.setAllowHeaders(String.join(",", policy.getAllowHeadersList()))
                .setAllowMethods(String.join(",", policy.getAllowMethodsList()))
                .setExposeHeaders(String.join(",", policy.getExposeHeadersList()));
        if (policy.hasMaxAge()) {
            out.setMaxAge(Long.toString(policy.getMaxAge().getSeconds()));
        }
        return out.build();
    }

    private static StringMatcher originMatcher(StringMatch origin) {
        return switch (origin.getMatchTypeCase()) {
            case EXACT -> StringMatcher.newBuilder().setExact(origin.getExact()).build();
            case PREFIX -> StringMatcher.newBuilder().setPrefix(origin.getPrefix()).build();
            default -> StringMatcher.newBuilder()
                    .setSafeRegex(RegexMatcher.newBuilder().setRegex(origin.getRegex())).build();
        };
    }
}
