package dev.skiff.controlplane.xds.generator;

import com.google.protobuf.BoolValue;
import com.google.protobuf.UInt32Value;
import dev.skiff.api.networking.v1alpha3.HTTPDirectResponse;
import dev.skiff.api.networking.v1alpha3.HTTPMatchRequest;
import dev.skiff.api.networking.v1alpha3.HTTPRedirect;
import dev.skiff.api.networking.v1alpha3.HTTPRetry;
import dev.skiff.api.networking.v1alpha3.HTTPRewrite;
import dev.skiff.api.networking.v1alpha3.HTTPRoute;
import dev.skiff.api.networking.v1alpha3.HTTPRouteDestination;
import dev.skiff.api.networking.v1alpha3.Headers;
import dev.skiff.api.networking.v1alpha3.StringMatch;
import dev.skiff.controlplane.model.Hostnames;
import dev.skiff.controlplane.model.Labels;
import dev.skiff.controlplane.model.MeshSnapshot;
import dev.skiff.controlplane.model.VirtualServiceConfig;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.route.v3.DirectResponseAction;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.QueryParameterMatcher;
import io.envoyproxy.envoy.config.route.v3.RedirectAction;
import io.envoyproxy.envoy.config.route.v3.RetryPolicy;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatchAndSubstitute;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Route configurations: {@code <port>} for sidecars (one virtual host per HTTP service on that port) and
 * {@code <host>:<port>} for proxyless gRPC clients (that service's virtual host alone). Routes come from the
 * VirtualService the proxy sees for the host, in order; without one, a single route sends everything to
 * {@code outbound|<port>||<host>}.
 */
public final class RouteGenerator {
    /** The name of the route used when no VirtualService routes a host. */
    public static final String DEFAULT_ROUTE_NAME = "default";

    private static final Set<String> RETRIABLE_STATUS_CODES = Set.of("retriable-status-codes");

    /**
     * Route configuration {@code <port>}: one virtual host per HTTP-family service in {@code targets} on that
     * port, in order. A domain already claimed by an earlier virtual host is left out of later ones.
     */
    public RouteConfiguration sidecarRoutes(int port, List<OutboundPort> targets, MeshSnapshot mesh,
                                            ProxyContext proxy) {
        RouteConfiguration.Builder config = RouteConfiguration.newBuilder().setName(XdsNames.portRoutes(port));
        Set<String> claimed = new HashSet<>();
        for (OutboundPort target : targets) {
            if (target.number() != port || !target.port().protocol().isHttp()) {
                continue;
            }
            List<String> domains = new ArrayList<>();
            for (String domain : domains(target, proxy.namespace())) {
                if (claimed.add(domain)) {
                    domains.add(domain);
                }
            }
            config.addVirtualHosts(virtualHost(target, domains, mesh, proxy));
        }
        return config.build();
    }

    /** Route configuration {@code <host>:<port>}: the service's virtual host with domain {@code *} first. */
    public RouteConfiguration proxylessRoutes(OutboundPort target, MeshSnapshot mesh, ProxyContext proxy) {
        List<String> domains = new ArrayList<>();
        domains.add("*");
        domains.addAll(domains(target, proxy.namespace()));
        return RouteConfiguration.newBuilder()
                .setName(XdsNames.hostPort(target.host(), target.number()))
                .addVirtualHosts(virtualHost(target, domains, mesh, proxy))
                .build();
    }

    /**
     * {@code <host>}, {@code <host>:<port>} and, when the service lives in the proxy's namespace, its short forms
     * with and without the port.
     */
    static List<String> domains(OutboundPort target, String proxyNamespace) {
        List<String> names = new ArrayList<>();
        names.add(target.host());
        names.addAll(Hostnames.shortForms(target.host(), proxyNamespace));
        List<String> domains = new ArrayList<>(names.size() * 2);
        for (String name : names) {
            domains.add(name);
            domains.add(name + ":" + target.number());
        }
        return domains;
    }

    private static VirtualHost virtualHost(OutboundPort target, List<String> domains, MeshSnapshot mesh,
                                           ProxyContext proxy) {
        VirtualHost.Builder virtualHost = VirtualHost.newBuilder()
                .setName(XdsNames.hostPort(target.host(), target.number()))
                .addAllDomains(domains);
        Optional<VirtualServiceConfig> virtualService = mesh.virtualService(target.host(), proxy.namespace());
        if (virtualService.isPresent()) {
            for (HTTPRoute httpRoute : virtualService.get().spec().getHttpList()) {
                addRoutes(virtualHost, httpRoute, virtualService.get(), target, mesh, proxy);
            }
        }
        if (virtualHost.getRoutesCount() == 0) {
            virtualHost.addRoutes(Route.newBuilder()
                    .setName(DEFAULT_ROUTE_NAME)
                    .setMatch(RouteMatch.newBuilder().setPrefix("/"))
                    .setRoute(RouteAction.newBuilder().setCluster(target.clusterName())));
        }
        return virtualHost.build();
    }

    /** One route per applicable match of {@code httpRoute} (one catch-all route when it has no match). */
    private static void addRoutes(VirtualHost.Builder virtualHost, HTTPRoute httpRoute,
                                  VirtualServiceConfig virtualService, OutboundPort target, MeshSnapshot mesh,
                                  ProxyContext proxy) {
        List<RouteMatch> matches = new ArrayList<>();
        if (httpRoute.getMatchCount() == 0) {
            matches.add(RouteMatch.newBuilder().setPrefix("/").build());
        }
        for (HTTPMatchRequest match : httpRoute.getMatchList()) {
            if (applies(match, target.number(), proxy)) {
                matches.add(routeMatch(match));
            }
        }
        for (RouteMatch match : matches) {
            Route.Builder route = Route.newBuilder().setMatch(match);
            if (!httpRoute.getName().isEmpty()) {
                route.setName(httpRoute.getName());
            }
            if (httpRoute.hasRedirect()) {
                route.setRedirect(redirect(httpRoute.getRedirect()));
            } else if (httpRoute.hasDirectResponse()) {
                route.setDirectResponse(directResponse(httpRoute.getDirectResponse()));
            } else if (httpRoute.getRouteCount() > 0) {
                route.setRoute(routeAction(httpRoute, virtualService, target, mesh));
            } else {
                continue;
            }
            addHeaderOperations(route, httpRoute.getHeaders());
            virtualHost.addRoutes(route);
        }
    }

    /** Whether a match can apply to this proxy on this port (port, gateways, source namespace and labels). */
    private static boolean applies(HTTPMatchRequest match, int port, ProxyContext proxy) {
        return (match.getPort() == 0 || match.getPort() == port)
                && (match.getGatewaysCount() == 0
                        || match.getGatewaysList().contains(VirtualServiceConfig.MESH_GATEWAY))
                && (match.getSourceNamespace().isEmpty() || match.getSourceNamespace().equals(proxy.namespace()))
                && Labels.matches(match.getSourceLabelsMap(), proxy.labels());
    }

    static RouteMatch routeMatch(HTTPMatchRequest match) {
        RouteMatch.Builder routeMatch = RouteMatch.newBuilder();
        StringMatch uri = match.getUri();
        switch (uri.getMatchTypeCase()) {
            case EXACT -> routeMatch.setPath(uri.getExact());
            case PREFIX -> routeMatch.setPrefix(uri.getPrefix());
            case REGEX -> routeMatch.setSafeRegex(RegexMatcher.newBuilder().setRegex(uri.getRegex()));
            case MATCHTYPE_NOT_SET -> routeMatch.setPrefix("/");
        }
        if (match.getIgnoreUriCase()) {
            routeMatch.setCaseSensitive(BoolValue.of(false));
        }
        if (match.hasMethod()) {
            routeMatch.addHeaders(header(":method", match.getMethod(), false));
        }
        if (match.hasAuthority()) {
            routeMatch.addHeaders(header(":authority", match.getAuthority(), false));
        }
        if (match.hasScheme()) {
            routeMatch.addHeaders(header(":scheme", match.getScheme(), false));
        }
        new TreeMap<>(match.getHeadersMap()).forEach((name, value) -> routeMatch.addHeaders(header(name, value, false)));
        new TreeMap<>(match.getWithoutHeadersMap())
                .forEach((name, value) -> routeMatch.addHeaders(header(name, value, true)));
        new TreeMap<>(match.getQueryParamsMap()).forEach((name, value) -> {
            QueryParameterMatcher.Builder parameter = QueryParameterMatcher.newBuilder().setName(name);
            stringMatcher(value).ifPresentOrElse(parameter::setStringMatch, () -> parameter.setPresentMatch(true));
            routeMatch.addQueryParameters(parameter);
        });
        return routeMatch.build();
    }

    /** A header matcher; a StringMatch without a match type matches any value of a present header. */
    private static HeaderMatcher header(String name, StringMatch value, boolean invert) {
        HeaderMatcher.Builder header = HeaderMatcher.newBuilder().setName(name.toLowerCase(java.util.Locale.ROOT));
        stringMatcher(value).ifPresentOrElse(header::setStringMatch, () -> header.setPresentMatch(true));
        if (invert) {
            header.setInvertMatch(true);
        }
        return header.build();
    }

    private static Optional<StringMatcher> stringMatcher(StringMatch value) {
        return switch (value.getMatchTypeCase()) {
            case EXACT -> Optional.of(StringMatcher.newBuilder().setExact(value.getExact()).build());
            case PREFIX -> Optional.of(StringMatcher.newBuilder().setPrefix(value.getPrefix()).build());
            case REGEX -> Optional.of(StringMatcher.newBuilder()
                    .setSafeRegex(RegexMatcher.newBuilder().setRegex(value.getRegex())).build());
            case MATCHTYPE_NOT_SET -> Optional.empty();
        };
    }

    private static RouteAction routeAction(HTTPRoute httpRoute, VirtualServiceConfig virtualService,
                                           OutboundPort target, MeshSnapshot mesh) {
        RouteAction.Builder action = RouteAction.newBuilder();
        List<HTTPRouteDestination> destinations = httpRoute.getRouteList();
        if (destinations.size() == 1) {
            action.setCluster(Destinations.clusterName(mesh, virtualService, destinations.getFirst().getDestination(),
                    target));
        } else {
            long total = 0;
            for (HTTPRouteDestination destination : destinations) {
                total += Math.max(0, destination.getWeight());
            }
            WeightedCluster.Builder weighted = WeightedCluster.newBuilder();
            for (HTTPRouteDestination destination : destinations) {
                int weight = total == 0 ? 1 : Math.max(0, destination.getWeight());
                weighted.addClusters(WeightedCluster.ClusterWeight.newBuilder()
                        .setName(Destinations.clusterName(mesh, virtualService, destination.getDestination(), target))
                        .setWeight(UInt32Value.of(weight)));
            }
            action.setWeightedClusters(weighted);
        }
        if (httpRoute.hasTimeout()) {
            action.setTimeout(httpRoute.getTimeout());
        }
        if (httpRoute.hasRetries() && httpRoute.getRetries().getAttempts() > 0) {
            action.setRetryPolicy(retryPolicy(httpRoute.getRetries()));
        }
        if (httpRoute.hasRewrite()) {
            HTTPRewrite rewrite = httpRoute.getRewrite();
            if (!rewrite.getUri().isEmpty()) {
                action.setPrefixRewrite(rewrite.getUri());
            }
            if (!rewrite.getAuthority().isEmpty()) {
                action.setHostRewriteLiteral(rewrite.getAuthority());
            }
            if (rewrite.hasUriRegexRewrite()) {
                action.setRegexRewrite(RegexMatchAndSubstitute.newBuilder()
                        .setPattern(RegexMatcher.newBuilder().setRegex(rewrite.getUriRegexRewrite().getMatch()))
                        .setSubstitution(rewrite.getUriRegexRewrite().getRewrite()));
            }
        }
        return action.build();
    }

    /**
     * Istio's {@code retryOn} is Envoy's {@code retry_on} list, except that plain status codes go to
     * {@code retriable_status_codes} (and turn on {@code retriable-status-codes}).
     */
    private static RetryPolicy retryPolicy(HTTPRetry retries) {
        RetryPolicy.Builder policy = RetryPolicy.newBuilder().setNumRetries(UInt32Value.of(retries.getAttempts()));
        if (retries.hasPerTryTimeout()) {
            policy.setPerTryTimeout(retries.getPerTryTimeout());
        }
        List<String> conditions = new ArrayList<>();
        for (String condition : retries.getRetryOn().split(",")) {
            String trimmed = condition.trim();
            if (trimmed.isEmpty()) {
                continue;
            }
            if (trimmed.chars().allMatch(Character::isDigit)) {
                policy.addRetriableStatusCodes(Integer.parseInt(trimmed));
            } else if (!conditions.contains(trimmed)) {
                conditions.add(trimmed);
            }
        }
        if (policy.getRetriableStatusCodesCount() > 0 && !conditions.containsAll(RETRIABLE_STATUS_CODES)) {
            conditions.addAll(RETRIABLE_STATUS_CODES);
        }
        if (!conditions.isEmpty()) {
            policy.setRetryOn(String.join(",", conditions));
        }
        return policy.build();
    }

    private static RedirectAction redirect(HTTPRedirect redirect) {
        RedirectAction.Builder action = RedirectAction.newBuilder();
        if (!redirect.getUri().isEmpty()) {
            action.setPathRedirect(redirect.getUri());
        }
        if (!redirect.getAuthority().isEmpty()) {
            action.setHostRedirect(redirect.getAuthority());
        }
        if (redirect.getRedirectPortCase() == HTTPRedirect.RedirectPortCase.PORT) {
            action.setPortRedirect(redirect.getPort());
        }
        if (!redirect.getScheme().isEmpty()) {
            action.setSchemeRedirect(redirect.getScheme());
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

    private static DirectResponseAction directResponse(HTTPDirectResponse response) {
        DirectResponseAction.Builder action = DirectResponseAction.newBuilder().setStatus(response.getStatus());
        switch (response.getBody().getSpecifierCase()) {
            case STRING -> action.setBody(DataSource.newBuilder().setInlineString(response.getBody().getString()));
            case BYTES -> action.setBody(DataSource.newBuilder().setInlineBytes(response.getBody().getBytes()));
            case SPECIFIER_NOT_SET -> {
            }
        }
        return action.build();
    }

    /** {@code headers.request/response}: {@code set} overwrites, {@code add} appends, {@code remove} removes. */
    private static void addHeaderOperations(Route.Builder route, Headers headers) {
        Headers.HeaderOperations request = headers.getRequest();
        new TreeMap<>(request.getSetMap()).forEach((name, value) -> route.addRequestHeadersToAdd(
                headerValue(name, value, HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD)));
        new TreeMap<>(request.getAddMap()).forEach((name, value) -> route.addRequestHeadersToAdd(
                headerValue(name, value, HeaderValueOption.HeaderAppendAction.APPEND_IF_EXISTS_OR_ADD)));
        route.addAllRequestHeadersToRemove(request.getRemoveList());
        Headers.HeaderOperations response = headers.getResponse();
        new TreeMap<>(response.getSetMap()).forEach((name, value) -> route.addResponseHeadersToAdd(
                headerValue(name, value, HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD)));
        new TreeMap<>(response.getAddMap()).forEach((name, value) -> route.addResponseHeadersToAdd(
                headerValue(name, value, HeaderValueOption.HeaderAppendAction.APPEND_IF_EXISTS_OR_ADD)));
        route.addAllResponseHeadersToRemove(response.getRemoveList());
    }

    private static HeaderValueOption headerValue(String name, String value,
                                                 HeaderValueOption.HeaderAppendAction action) {
        return HeaderValueOption.newBuilder()
                .setHeader(HeaderValue.newBuilder().setKey(name).setValue(value))
                .setAppendAction(action)
                .build();
    }
}
