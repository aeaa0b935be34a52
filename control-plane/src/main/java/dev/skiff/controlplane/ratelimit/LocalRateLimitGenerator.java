package dev.skiff.controlplane.ratelimit;

import com.google.protobuf.Any;
import com.google.protobuf.UInt32Value;
import com.google.protobuf.BoolValue;
import dev.skiff.api.networking.v1alpha3.HTTPMatchRequest;
import dev.skiff.api.networking.v1alpha3.HTTPRoute;
import dev.skiff.api.policy.v1alpha1.HeaderBuckets;
import dev.skiff.api.policy.v1alpha1.Limit;
import dev.skiff.api.policy.v1alpha1.LimitedResponse;
import dev.skiff.api.policy.v1alpha1.LocalRateLimit;
import dev.skiff.api.policy.v1alpha1.ValueBucket;
import dev.skiff.controlplane.config.ConfigObject;
import dev.skiff.controlplane.model.Labels;
import dev.skiff.controlplane.model.MeshService;
import dev.skiff.controlplane.model.MeshSnapshot;
import dev.skiff.controlplane.model.VirtualServiceConfig;
import dev.skiff.controlplane.model.Workload;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.core.v3.RuntimeFractionalPercent;
import io.envoyproxy.envoy.config.route.v3.RateLimit;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.extensions.common.ratelimit.v3.LocalRateLimitDescriptor;
import io.envoyproxy.envoy.extensions.common.ratelimit.v3.RateLimitDescriptor;
import io.envoyproxy.envoy.extensions.common.ratelimit.v3.XRateLimitHeadersRFCVersion;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import io.envoyproxy.envoy.type.v3.HttpStatus;
import io.envoyproxy.envoy.type.v3.TokenBucket;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Skiff's LocalRateLimit as the Envoy configuration Istio users write by hand in an EnvoyFilter: the HTTP filter
 * {@code envoy.filters.http.local_ratelimit} on the inbound connection manager with only a stats prefix, and each
 * limit's token bucket as the filter's {@code typed_per_filter_config} on the route it protects, enabled and
 * enforced for 100% of requests, with the limited status, the headers to add and DRAFT_VERSION_03
 * {@code x-ratelimit-*} headers. A limit scoped to a VirtualService route gets an inbound route of its own with
 * that route's match conditions, before the workload-wide default route; header buckets become the filter's
 * {@code rate_limits} (a {@code request_headers} action) and {@code descriptors}, the limit's own bucket being the
 * default one.
 */
public final class LocalRateLimitGenerator {
    /** The Envoy HTTP filter name. */
    public static final String FILTER_NAME = "envoy.filters.http.local_ratelimit";
    /** The stats prefix Istio's examples use. */
    public static final String STAT_PREFIX = "http_local_rate_limiter";
    private static final int DEFAULT_STATUS = 429;
    private static final RuntimeFractionalPercent ALL = RuntimeFractionalPercent.newBuilder()
            .setDefaultValue(FractionalPercent.newBuilder().setNumerator(100)
                    .setDenominator(FractionalPercent.DenominatorType.HUNDRED))
            .build();

    /** One limit of one LocalRateLimit resource. */
    public record SelectedLimit(String namespace, String resource, Limit limit) {
    }

    private LocalRateLimitGenerator() {
    }

    /**
     * The limits that apply to a workload's inbound requests: those of its namespace's LocalRateLimit resources
     * whose selector is absent or matches its labels, ordered by resource name, then as listed.
     */
    public static List<SelectedLimit> forWorkload(Collection<ConfigObject> objects, String namespace,
                                                  Map<String, String> labels) {
        List<ConfigObject> sorted = new ArrayList<>(objects);
        sorted.sort(Comparator.comparing((ConfigObject object) -> object.key().name()));
        List<SelectedLimit> selected = new ArrayList<>();
        for (ConfigObject object : sorted) {
            if (!object.key().namespace().equals(namespace)) {
                continue;
            }
            LocalRateLimit spec = object.spec(LocalRateLimit.class);
            if (!Labels.matches(spec.getWorkloadSelector().getLabelsMap(), labels)) {
                continue;
            }
            for (Limit limit : spec.getLimitsList()) {
                selected.add(new SelectedLimit(namespace, object.key().name(), limit));
            }
        }
        return selected;
    }

    /**
     * The limits of a workload's inbound side.
     *
     * @param workloadWide the limit of the default route, null when none
     * @param byRoute      the limits scoped to VirtualService routes, by route name
     */
    public record InboundLimits(Limit workloadWide, Map<String, Limit> byRoute) {
        public InboundLimits {
            byRoute = Map.copyOf(byRoute);
        }

        /** Whether any limit applies, so the connection manager needs the filter. */
        public boolean any() {
            return workloadWide != null || !byRoute.isEmpty();
        }
    }

    /**
     * The limits of a workload's inbound routes: the first of {@link #forWorkload} without a route scope, and the
     * first for each route name. Envoy's filter holds one bucket per route, so later limits of the same scope from
     * other resources are not applied (validation refuses them within one resource; the docs say so).
     */
    public static InboundLimits forInbound(Collection<ConfigObject> objects, String namespace,
                                           Map<String, String> labels) {
        Limit workloadWide = null;
        Map<String, Limit> byRoute = new LinkedHashMap<>();
        for (SelectedLimit selected : forWorkload(objects, namespace, labels)) {
            Limit limit = selected.limit();
            if (!limit.getRoute().isEmpty()) {
                byRoute.putIfAbsent(limit.getRoute(), limit);
            } else if (workloadWide == null) {
                workloadWide = limit;
            }
        }
        return new InboundLimits(workloadWide, byRoute);
    }

    /**
     * The routes of an inbound HTTP port: for each HTTP route of the VirtualServices of the workload's services on
     * {@code clusterPort} (in order) that a limit names, one route per match that applies to the port and to the
     * mesh (its request attributes only: the source is not known on the inbound side), named after it and carrying
     * its limit; then
     * the default route {@code /} with the workload-wide limit, if any. All go to {@code cluster}.
     *
     * @param matcher the VirtualService match to Envoy route match conversion the outbound routes use
     */
    public static List<Route> inboundRoutes(InboundLimits limits, MeshSnapshot mesh, Workload workload,
                                            int clusterPort, String cluster, String defaultRouteName,
                                            Function<HTTPMatchRequest, RouteMatch> matcher) {
        List<Route> routes = new ArrayList<>();
        RouteAction action = RouteAction.newBuilder().setCluster(cluster).build();
        if (workload != null && !limits.byRoute().isEmpty()) {
            for (HTTPRoute httpRoute : scopedRoutes(limits, mesh, workload, clusterPort)) {
                Map<String, Any> perFilter = typedPerFilterConfig(limits.byRoute().get(httpRoute.getName()));
                List<RouteMatch> matches = new ArrayList<>();
                if (httpRoute.getMatchCount() == 0) {
                    matches.add(RouteMatch.newBuilder().setPrefix("/").build());
                }
                for (HTTPMatchRequest match : httpRoute.getMatchList()) {
                    if ((match.getPort() == 0 || match.getPort() == clusterPort) && (match.getGatewaysCount() == 0
                            || match.getGatewaysList().contains(VirtualServiceConfig.MESH_GATEWAY))) {
                        matches.add(matcher.apply(match));
                    }
                }
                for (RouteMatch match : matches) {
                    routes.add(Route.newBuilder().setName(httpRoute.getName()).setMatch(match).setRoute(action)
                            .putAllTypedPerFilterConfig(perFilter).build());
                }
            }
        }
        routes.add(Route.newBuilder()
                .setName(defaultRouteName)
                .setMatch(RouteMatch.newBuilder().setPrefix("/"))
                .setRoute(action)
                .putAllTypedPerFilterConfig(limits.workloadWide() == null ? Map.of()
                        : typedPerFilterConfig(limits.workloadWide()))
                .build());
        return routes;
    }

    /** The HTTP routes a limit names, of the VirtualServices of the services selecting the workload on the port. */
    private static List<HTTPRoute> scopedRoutes(InboundLimits limits, MeshSnapshot mesh, Workload workload,
                                                int clusterPort) {
        List<HTTPRoute> scoped = new ArrayList<>();
        for (MeshService service : mesh.servicesSelecting(workload)) {
            if (service.port(clusterPort).isEmpty()) {
                continue;
            }
            mesh.virtualService(service.host(), workload.namespace()).map(VirtualServiceConfig::spec)
                    .ifPresent(spec -> {
                        for (HTTPRoute httpRoute : spec.getHttpList()) {
                            if (limits.byRoute().containsKey(httpRoute.getName())) {
                                scoped.add(httpRoute);
                            }
                        }
                    });
        }
        return scoped;
    }

    /** The listener-level filter: a stats prefix only, the buckets are per route. */
    public static HttpFilter listenerFilter() {
        return HttpFilter.newBuilder()
                .setName(FILTER_NAME)
                .setTypedConfig(Any.pack(io.envoyproxy.envoy.extensions.filters.http.local_ratelimit.v3
                        .LocalRateLimit.newBuilder().setStatPrefix(STAT_PREFIX).build()))
                .build();
    }

    /**
     * A limit as the filter's per-route configuration; header buckets as a {@code request_headers} rate limit
     * action (descriptor key: the lower-case header name) and one descriptor per value, whose requests do not also
     * take from the default bucket ({@code always_consume_default_token_bucket: false}).
     */
    public static io.envoyproxy.envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit perRoute(
            Limit limit) {
        var config = io.envoyproxy.envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit.newBuilder()
                .setStatPrefix(STAT_PREFIX)
                .setTokenBucket(tokenBucket(limit.getTokenBucket()))
                .setFilterEnabled(ALL.toBuilder().setRuntimeKey("local_rate_limit_enabled"))
                .setFilterEnforced(ALL.toBuilder().setRuntimeKey("local_rate_limit_enforced"));
        LimitedResponse response = limit.getResponse();
        int status = response.getStatus() == 0 ? DEFAULT_STATUS : response.getStatus();
        if (status != DEFAULT_STATUS) {
            config.setStatus(HttpStatus.newBuilder().setCodeValue(status));
        }
        for (Map.Entry<String, String> header : new TreeMap<>(response.getHeadersMap()).entrySet()) {
            config.addResponseHeadersToAdd(HeaderValueOption.newBuilder()
                    .setHeader(HeaderValue.newBuilder().setKey(header.getKey()).setValue(header.getValue())));
        }
        if (!response.getDisableXRatelimitHeaders()) {
            config.setEnableXRatelimitHeaders(XRateLimitHeadersRFCVersion.DRAFT_VERSION_03);
        }
        if (limit.hasHeaderBuckets()) {
            HeaderBuckets buckets = limit.getHeaderBuckets();
            String key = buckets.getHeader().toLowerCase(Locale.ROOT);
            config.addRateLimits(RateLimit.newBuilder().addActions(RateLimit.Action.newBuilder()
                    .setRequestHeaders(RateLimit.Action.RequestHeaders.newBuilder()
                            .setHeaderName(key).setDescriptorKey(key))));
            for (ValueBucket value : buckets.getValuesList()) {
                config.addDescriptors(LocalRateLimitDescriptor.newBuilder()
                        .addEntries(RateLimitDescriptor.Entry.newBuilder().setKey(key).setValue(value.getValue()))
                        .setTokenBucket(tokenBucket(value.getTokenBucket())));
            }
            config.setAlwaysConsumeDefaultTokenBucket(BoolValue.of(false));
        }
        return config.build();
    }

    private static TokenBucket tokenBucket(dev.skiff.api.policy.v1alpha1.TokenBucket bucket) {
        int tokensPerFill = bucket.getTokensPerFill() == 0 ? 1 : bucket.getTokensPerFill();
        return TokenBucket.newBuilder()
                .setMaxTokens(bucket.getMaxTokens())
                .setTokensPerFill(UInt32Value.of(tokensPerFill))
                .setFillInterval(bucket.getFillInterval())
                .build();
    }

    /** {@link #perRoute} packed for a route's {@code typed_per_filter_config}. */
    public static Map<String, Any> typedPerFilterConfig(Limit limit) {
        return Map.of(FILTER_NAME, Any.pack(perRoute(limit)));
    }
}
