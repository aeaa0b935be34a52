package dev.skiff.controlplane.xds.generator;

import com.google.protobuf.BoolValue;
import com.google.protobuf.UInt32Value;
import dev.skiff.api.networking.v1alpha3.HTTPMatchRequest;
import dev.skiff.api.networking.v1alpha3.HTTPRoute;
import dev.skiff.api.networking.v1alpha3.HTTPRouteDestination;
import dev.skiff.api.networking.v1alpha3.StringMatch;
import dev.skiff.controlplane.fallback.FallbackGenerator;
import dev.skiff.controlplane.model.Hostnames;
import dev.skiff.controlplane.model.Labels;
import dev.skiff.controlplane.model.MeshSnapshot;
import dev.skiff.controlplane.model.VirtualServiceConfig;
import dev.skiff.controlplane.xds.ProxyView;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.QueryParameterMatcher;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
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
                    .putAllTypedPerFilterConfig(FallbackGenerator.typedPerFilterConfig(mesh.fallbacks(),
                            target.host(), DEFAULT_ROUTE_NAME))
                    .setMatch(RouteMatch.newBuilder().setPrefix("/"))
                    .setRoute(defaultAction(target, mesh, proxy)));
        }
        return virtualHost.build();
    }

    private static RouteAction defaultAction(OutboundPort target, MeshSnapshot mesh, ProxyContext proxy) {
        RouteAction.Builder action = RouteAction.newBuilder().setCluster(target.clusterName());
        RoutePolicies.applyDefaults(action);
        LoadBalancerGenerator.applyHashPolicy(action, mesh, proxy.namespace());
        return action.build();
    }

    /**
     * One route per applicable match of {@code httpRoute} (one catch-all route when it has no match). Redirects and
     * direct responses are answered by sidecars ({@link RouteActions}); proxyless gRPC clients reject such routes,
     * so theirs leave them out. Delegation is not served, the snapshot reports it.
     */
    private static void addRoutes(VirtualHost.Builder virtualHost, HTTPRoute httpRoute,
                                  VirtualServiceConfig virtualService, OutboundPort target, MeshSnapshot mesh,
                                  ProxyContext proxy) {
        boolean sidecar = proxy.kind() == ProxyView.Kind.SIDECAR;
        boolean local = RouteActions.answersLocally(httpRoute);
        if (local ? !sidecar : httpRoute.getRouteCount() == 0) {
            return;
        }
        List<RouteMatch> matches = new ArrayList<>();
        if (httpRoute.getMatchCount() == 0) {
            matches.add(RouteMatch.newBuilder().setPrefix("/").build());
        }
        for (HTTPMatchRequest match : httpRoute.getMatchList()) {
            if (applies(match, target.number(), proxy)) {
                matches.add(routeMatch(match));
            }
        }
        RouteAction action = local ? null : routeAction(httpRoute, virtualService, target, mesh, proxy);
        for (RouteMatch match : matches) {
            Route.Builder route = Route.newBuilder().setMatch(match);
            if (local) {
                RouteActions.applyLocalAction(route, httpRoute, target.number());
            } else {
                route.setRoute(action);
            }
            if (!httpRoute.getName().isEmpty()) {
                route.setName(httpRoute.getName());
            }
            RoutePolicies.applyRouteFields(route, httpRoute);
            route.putAllTypedPerFilterConfig(FallbackGenerator.typedPerFilterConfig(mesh.fallbacks(), target.host(),
                    httpRoute.getName()));
            RouteActions.applyRouteFields(route, httpRoute, sidecar);
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
        HeaderMatcher.Builder header = HeaderMatcher.newBuilder().setName(name.toLowerCase(Locale.ROOT));
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
                                           OutboundPort target, MeshSnapshot mesh, ProxyContext proxy) {
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
                WeightedCluster.ClusterWeight.Builder cluster = WeightedCluster.ClusterWeight.newBuilder()
                        .setName(Destinations.clusterName(mesh, virtualService, destination.getDestination(), target))
                        .setWeight(UInt32Value.of(weight));
                RouteActions.destinationHeaders(cluster, destination);
                weighted.addClusters(cluster);
            }
            action.setWeightedClusters(weighted);
        }
        RoutePolicies.apply(action, httpRoute);
        RouteActions.applyMirrors(action, httpRoute,
                destination -> Destinations.clusterName(mesh, virtualService, destination, target));
        LoadBalancerGenerator.applyHashPolicy(action, mesh, proxy.namespace());
        return action.build();
    }
}
