package dev.skiff.proxy.xds.translate;

import com.google.protobuf.BoolValue;
import com.google.protobuf.Duration;
import com.google.protobuf.UInt32Value;
import dev.skiff.proxy.model.HeaderMatcher;
import dev.skiff.proxy.model.PathMatcher;
import dev.skiff.proxy.model.QueryParameterMatcher;
import dev.skiff.proxy.model.RequestHeadersView;
import dev.skiff.proxy.model.Route;
import dev.skiff.proxy.model.RouteAction;
import dev.skiff.proxy.model.RouteMatch;
import dev.skiff.proxy.model.RouteTable;
import dev.skiff.proxy.model.VirtualHost;
import dev.skiff.proxy.model.WeightedCluster;
import io.envoyproxy.envoy.config.route.v3.NonForwardingAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.envoyproxy.envoy.type.v3.Int64Range;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RouteTranslatorTest {
    private static final String REVIEWS = "outbound|9080||reviews.default.svc.cluster.local";
    private final RouteTranslator translator = new RouteTranslator();

    static io.envoyproxy.envoy.config.route.v3.RouteAction.Builder toCluster(String cluster) {
        return io.envoyproxy.envoy.config.route.v3.RouteAction.newBuilder().setCluster(cluster);
    }

    static io.envoyproxy.envoy.config.route.v3.Route.Builder prefixRoute(String prefix, String cluster) {
        return io.envoyproxy.envoy.config.route.v3.Route.newBuilder()
                .setMatch(io.envoyproxy.envoy.config.route.v3.RouteMatch.newBuilder().setPrefix(prefix))
                .setRoute(toCluster(cluster));
    }

    static RouteConfiguration config(String name, io.envoyproxy.envoy.config.route.v3.Route.Builder... routes) {
        io.envoyproxy.envoy.config.route.v3.VirtualHost.Builder host =
                io.envoyproxy.envoy.config.route.v3.VirtualHost.newBuilder()
                        .setName("reviews.default.svc.cluster.local:9080")
                        .addDomains("reviews.default.svc.cluster.local")
                        .addDomains("reviews:9080");
        for (var route : routes) {
            host.addRoutes(route);
        }
        return RouteConfiguration.newBuilder().setName(name).addVirtualHosts(host).build();
    }

    private static io.envoyproxy.envoy.config.route.v3.RouteMatch.Builder match() {
        return io.envoyproxy.envoy.config.route.v3.RouteMatch.newBuilder();
    }

    private static io.envoyproxy.envoy.config.route.v3.Route.Builder route(
            io.envoyproxy.envoy.config.route.v3.RouteMatch.Builder match) {
        return io.envoyproxy.envoy.config.route.v3.Route.newBuilder().setMatch(match).setRoute(toCluster(REVIEWS));
    }

    private static RegexMatcher regex(String regex) {
        return RegexMatcher.newBuilder().setRegex(regex).build();
    }

    private static io.envoyproxy.envoy.config.route.v3.HeaderMatcher.Builder header(String name) {
        return io.envoyproxy.envoy.config.route.v3.HeaderMatcher.newBuilder().setName(name);
    }

    @Test
    void singleRouteTable() throws Exception {
        RouteTable table = translator.translate(config("9080", prefixRoute("/", REVIEWS).setName("default")));

        assertThat(table).isEqualTo(new RouteTable("9080", List.of(new VirtualHost(
                "reviews.default.svc.cluster.local:9080",
                List.of("reviews.default.svc.cluster.local", "reviews:9080"),
                List.of(new Route("default", RouteMatch.prefix("/"), RouteAction.cluster(REVIEWS)))))));
    }

    @Test
    void pathMatchersAndCaseSensitivity() throws Exception {
        RouteTable table = translator.translate(config("9080",
                route(match().setPath("/exact")),
                route(match().setSafeRegex(regex("/items/[0-9]+"))),
                route(match().setPrefix("/API").setCaseSensitive(BoolValue.of(false)))));

        List<Route> routes = table.virtualHosts().getFirst().routes();
        assertThat(routes.get(0).match()).isEqualTo(RouteMatch.path(PathMatcher.exact("/exact")));
        assertThat(routes.get(1).match()).isEqualTo(RouteMatch.path(PathMatcher.regex("/items/[0-9]+")));
        assertThat(routes.get(2).match()).isEqualTo(new RouteMatch(PathMatcher.prefix("/API"), false, List.of(),
                List.of()));
        assertThat(routes.get(1).match().matches(request("/items/42?x=1"))).isTrue();
        assertThat(routes.get(1).match().matches(request("/items/x"))).isFalse();
        assertThat(routes.get(2).match().matches(request("/api/v1"))).isTrue();
    }

    @Test
    void pathSeparatedPrefixMatchesWholeSegments() throws Exception {
        RouteTable table = translator.translate(config("9080", route(match().setPathSeparatedPrefix("/api"))));

        RouteMatch match = table.virtualHosts().getFirst().routes().getFirst().match();
        assertThat(match.matches(request("/api"))).isTrue();
        assertThat(match.matches(request("/api/v1?q=1"))).isTrue();
        assertThat(match.matches(request("/api?q=1"))).isTrue();
        assertThat(match.matches(request("/apiv1"))).isFalse();
        assertThat(match.matches(request("/API/v1"))).isFalse();
    }

    @Test
    void headerMatchers() throws Exception {
        RouteTable table = translator.translate(config("9080", route(match().setPrefix("/")
                .addHeaders(header("end-user").setStringMatch(StringMatcher.newBuilder().setExact("jason")))
                .addHeaders(header("x-prefix").setStringMatch(StringMatcher.newBuilder().setPrefix("pre")))
                .addHeaders(header("x-suffix").setStringMatch(StringMatcher.newBuilder().setSuffix("suf")))
                .addHeaders(header("x-contains").setStringMatch(StringMatcher.newBuilder().setContains("mid")))
                .addHeaders(header("x-regex").setStringMatch(StringMatcher.newBuilder().setSafeRegex(regex("v[12]"))))
                .addHeaders(header("x-present").setPresentMatch(true))
                .addHeaders(header("x-absent").setPresentMatch(false))
                .addHeaders(header(":method").setStringMatch(StringMatcher.newBuilder().setExact("GET"))
                        .setInvertMatch(true)))));

        RouteMatch match = table.virtualHosts().getFirst().routes().getFirst().match();
        assertThat(match.headers()).containsExactly(
                HeaderMatcher.exact("end-user", "jason"),
                HeaderMatcher.prefix("x-prefix", "pre"),
                HeaderMatcher.suffix("x-suffix", "suf"),
                HeaderMatcher.contains("x-contains", "mid"),
                HeaderMatcher.regex("x-regex", "v[12]"),
                HeaderMatcher.present("x-present"),
                HeaderMatcher.absent("x-absent"),
                HeaderMatcher.method("GET").inverted());
    }

    @Test
    void ignoreCaseStringMatchBecomesCaseInsensitiveRegex() throws Exception {
        RouteTable table = translator.translate(config("9080", route(match().setPrefix("/")
                .addHeaders(header("end-user").setStringMatch(StringMatcher.newBuilder().setExact("Jason")
                        .setIgnoreCase(true)))
                .addQueryParameters(io.envoyproxy.envoy.config.route.v3.QueryParameterMatcher.newBuilder()
                        .setName("tag").setStringMatch(StringMatcher.newBuilder().setPrefix("Beta")
                                .setIgnoreCase(true))))));

        RouteMatch match = table.virtualHosts().getFirst().routes().getFirst().match();
        assertThat(match.matches(request("/?tag=beta-2", Map.of("end-user", "JASON")))).isTrue();
        assertThat(match.matches(request("/?tag=beta-2", Map.of("end-user", "jasonx")))).isFalse();
        assertThat(match.matches(request("/?tag=gamma", Map.of("end-user", "jason")))).isFalse();
    }

    @Test
    void queryParameterMatchers() throws Exception {
        RouteTable table = translator.translate(config("9080", route(match().setPrefix("/")
                .addQueryParameters(io.envoyproxy.envoy.config.route.v3.QueryParameterMatcher.newBuilder()
                        .setName("v").setStringMatch(StringMatcher.newBuilder().setExact("2")))
                .addQueryParameters(io.envoyproxy.envoy.config.route.v3.QueryParameterMatcher.newBuilder()
                        .setName("id").setStringMatch(StringMatcher.newBuilder().setSafeRegex(regex("[0-9]+"))))
                .addQueryParameters(io.envoyproxy.envoy.config.route.v3.QueryParameterMatcher.newBuilder()
                        .setName("debug").setPresentMatch(true)))));

        RouteMatch match = table.virtualHosts().getFirst().routes().getFirst().match();
        assertThat(match.queryParameters()).containsExactly(
                QueryParameterMatcher.exact("v", "2"),
                QueryParameterMatcher.regex("id", "[0-9]+"),
                QueryParameterMatcher.present("debug"));
    }

    @Test
    void grpcMatchRequiresGrpcContentType() throws Exception {
        RouteTable table = translator.translate(config("9080", route(match().setPrefix("/")
                .setGrpc(io.envoyproxy.envoy.config.route.v3.RouteMatch.GrpcRouteMatchOptions.getDefaultInstance()))));

        assertThat(table.virtualHosts().getFirst().routes().getFirst().match().headers())
                .containsExactly(HeaderMatcher.prefix("content-type", "application/grpc"));
    }

    @Test
    void weightedClusters() throws Exception {
        RouteTable table = translator.translate(config("9080", io.envoyproxy.envoy.config.route.v3.Route.newBuilder()
                .setMatch(match().setPrefix("/"))
                .setRoute(io.envoyproxy.envoy.config.route.v3.RouteAction.newBuilder()
                        .setWeightedClusters(io.envoyproxy.envoy.config.route.v3.WeightedCluster.newBuilder()
                                .addClusters(clusterWeight("outbound|9080|v1|reviews", 90))
                                .addClusters(clusterWeight("outbound|9080|v2|reviews", 10))
                                .addClusters(clusterWeight("outbound|9080|v3|reviews", 0))))));

        assertThat(table.virtualHosts().getFirst().routes().getFirst().action()).isEqualTo(new RouteAction(List.of(
                new WeightedCluster("outbound|9080|v1|reviews", 90),
                new WeightedCluster("outbound|9080|v2|reviews", 10),
                new WeightedCluster("outbound|9080|v3|reviews", 0))));
    }

    @Test
    void rejectsInvalidRegexWithItsPosition() {
        assertRejected(config("9080", route(match().setSafeRegex(regex("/items/(")))),
                "route_configuration 9080: virtual_host reviews.default.svc.cluster.local:9080: route #0: match:"
                        + " safe_regex: '/items/(' is not a valid regular expression: Unclosed group near index 8");
        assertRejected(config("9080", route(match().setPrefix("/")
                        .addHeaders(header("x").setStringMatch(StringMatcher.newBuilder().setSafeRegex(regex("[a")))))),
                "route_configuration 9080: virtual_host reviews.default.svc.cluster.local:9080: route #0: match:"
                        + " header x: string_match: safe_regex: '[a' is not a valid regular expression:"
                        + " Unclosed character class near index 1");
    }

    @Test
    void rejectsActionsOtherThanRoute() {
        assertRejected(config("9080", io.envoyproxy.envoy.config.route.v3.Route.newBuilder().setName("r")
                        .setMatch(match().setPrefix("/"))
                        .setNonForwardingAction(NonForwardingAction.getDefaultInstance())),
                "route_configuration 9080: virtual_host reviews.default.svc.cluster.local:9080: route r:"
                        + " action non_forwarding_action unsupported (expected: route, redirect or direct_response)");
    }

    @Test
    void rejectsRoutePoliciesNotImplementedHere() {
        assertRejected(config("9080", prefixRoute("/", REVIEWS).setName("r")
                        .setRoute(toCluster(REVIEWS).setIdleTimeout(Duration.newBuilder().setSeconds(3)))),
                "route_configuration 9080: virtual_host reviews.default.svc.cluster.local:9080: route r: route:"
                        + " idle_timeout: unsupported (expected only: cluster, hash_policy, host_rewrite_literal,"
                        + " prefix_rewrite, regex_rewrite, request_mirror_policies, retry_policy, timeout,"
                        + " weighted_clusters)");
    }

    @Test
    void rejectsRangeMatchAndMissingPath() {
        assertRejected(config("9080", route(match().setPrefix("/")
                        .addHeaders(header("x").setRangeMatch(Int64Range.newBuilder().setStart(1).setEnd(2))))),
                "route_configuration 9080: virtual_host reviews.default.svc.cluster.local:9080: route #0: match:"
                        + " header x: range_match: unsupported (expected only: contains_match, exact_match,"
                        + " invert_match, name, prefix_match, present_match, safe_regex_match, string_match,"
                        + " suffix_match)");
        assertRejected(config("9080", route(match())),
                "route_configuration 9080: virtual_host reviews.default.svc.cluster.local:9080: route #0: match:"
                        + " no path condition (expected: prefix, path, safe_regex or path_separated_prefix)");
    }

    @Test
    void rejectsWeightsThatDoNotAddUp() {
        assertRejected(config("9080", io.envoyproxy.envoy.config.route.v3.Route.newBuilder()
                        .setMatch(match().setPrefix("/"))
                        .setRoute(io.envoyproxy.envoy.config.route.v3.RouteAction.newBuilder()
                                .setWeightedClusters(io.envoyproxy.envoy.config.route.v3.WeightedCluster.newBuilder()
                                        .addClusters(clusterWeight("a", 0))
                                        .addClusters(clusterWeight("b", 0))))),
                "route_configuration 9080: virtual_host reviews.default.svc.cluster.local:9080: route #0: route:"
                        + " weighted_clusters: route action clusters: total weight 0 (expected: 1..2147483647)");
    }

    @Test
    void rejectsDomainsUsedTwice() {
        RouteConfiguration duplicate = config("9080", prefixRoute("/", REVIEWS)).toBuilder()
                .addVirtualHosts(io.envoyproxy.envoy.config.route.v3.VirtualHost.newBuilder().setName("other")
                        .addDomains("reviews:9080").addRoutes(prefixRoute("/", REVIEWS)))
                .build();

        assertThatThrownBy(() -> translator.translate(duplicate))
                .isInstanceOf(TranslationException.class)
                .hasMessageStartingWith("route_configuration 9080: route table 9080: domain 'reviews:9080'");
    }

    private static io.envoyproxy.envoy.config.route.v3.WeightedCluster.ClusterWeight.Builder clusterWeight(
            String name, int weight) {
        return io.envoyproxy.envoy.config.route.v3.WeightedCluster.ClusterWeight.newBuilder().setName(name)
                .setWeight(UInt32Value.of(weight));
    }

    private void assertRejected(RouteConfiguration config, String reason) {
        assertThatThrownBy(() -> translator.translate(config))
                .isInstanceOf(TranslationException.class)
                .hasMessage(reason);
    }

    private static RequestHeadersView request(String path) {
        return request(path, Map.of());
    }

    private static RequestHeadersView request(String path, Map<String, String> headers) {
        return new RequestHeadersView() {
            @Override
            public String path() {
                return path;
            }

            @Override
            public String header(String lowerCaseName) {
                return headers.get(lowerCaseName);
            }
        };
    }
}
