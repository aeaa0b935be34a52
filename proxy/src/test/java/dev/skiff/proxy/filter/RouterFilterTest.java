package dev.skiff.proxy.filter;

import dev.skiff.proxy.model.ClusterSpec;
import dev.skiff.proxy.model.Direction;
import dev.skiff.proxy.model.Endpoint;
import dev.skiff.proxy.model.EndpointSet;
import dev.skiff.proxy.model.HeaderMatcher;
import dev.skiff.proxy.model.LbPolicy;
import dev.skiff.proxy.model.PathMatcher;
import dev.skiff.proxy.model.ProxyConfigSnapshot;
import dev.skiff.proxy.model.RequestHeadersView;
import dev.skiff.proxy.model.Route;
import dev.skiff.proxy.model.RouteAction;
import dev.skiff.proxy.model.RouteMatch;
import dev.skiff.proxy.model.RouteTable;
import dev.skiff.proxy.model.UpstreamProtocol;
import dev.skiff.proxy.model.VirtualHost;
import dev.skiff.proxy.model.WeightedCluster;
import dev.skiff.proxy.upstream.UpstreamClusters;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class RouterFilterTest {

    private record Get(String path, Map<String, String> headers) implements RequestHeadersView {
        @Override
        public String header(String lowerCaseName) {
            return lowerCaseName.equals(":method") ? "GET" : headers.get(lowerCaseName);
        }
    }

    private static ClusterSpec cluster(String name) {
        return new ClusterSpec(name, LbPolicy.ROUND_ROBIN, UpstreamProtocol.HTTP1, Duration.ofSeconds(1), false);
    }

    private static EndpointSet endpoints(String cluster, int... ports) {
        return new EndpointSet(cluster, Arrays.stream(ports)
                .mapToObj(port -> new Endpoint(new InetSocketAddress("127.0.0.1", port))).toList());
    }

    private final RouteTable table = new RouteTable("9080", List.of(new VirtualHost("reviews:9080",
            List.of("reviews", "reviews:9080"), List.of(
            new Route("jason", new RouteMatch(PathMatcher.prefix("/"), true,
                    List.of(HeaderMatcher.exact("end-user", "jason")), List.of()), RouteAction.cluster("v2")),
            new Route("missing", RouteMatch.prefix("/missing"), RouteAction.cluster("nowhere")),
            new Route("empty", RouteMatch.prefix("/empty"), RouteAction.cluster("empty")),
            new Route("split", RouteMatch.prefix("/"), new RouteAction(List.of(
                    new WeightedCluster("v1", 75), new WeightedCluster("v3", 25))))))));

    private final UpstreamClusters clusters = UpstreamClusters.build(new ProxyConfigSnapshot("1", List.of(),
            Map.of(), Map.of("v1", cluster("v1"), "v2", cluster("v2"), "v3", cluster("v3"), "empty", cluster("empty")),
            Map.of("v1", endpoints("v1", 1001, 1002), "v2", endpoints("v2", 2001), "v3", endpoints("v3", 3001),
                    "empty", endpoints("empty"))), UpstreamClusters.empty(), 1);

    private final RouterFilter router = new RouterFilter(new SplittableRandom(11), 0);

    private RequestContext context() {
        return new RequestContext("virtualOutbound", Direction.OUTBOUND, 0);
    }

    @Test
    void headerMatchesPickTheirRoute() {
        RequestContext context = context();
        RouteDecision decision = router.route(table, "reviews:9080", new Get("/", Map.of("end-user", "jason")),
                clusters, context);
        assertThat(decision).isInstanceOfSatisfying(RouteDecision.Forward.class, forward -> {
            assertThat(forward.route().name()).isEqualTo("jason");
            assertThat(forward.host().address().getPort()).isEqualTo(2001);
        });
        assertThat(context.virtualHost()).isEqualTo("reviews:9080");
        assertThat(context.routeName()).isEqualTo("jason");
        assertThat(context.cluster()).isEqualTo("v2");
        assertThat(context.upstreamHost()).isEqualTo(new InetSocketAddress("127.0.0.1", 2001));
    }

    @Test
    void weightedRoutesSplitTrafficAndBalanceWithinEachCluster() {
        Map<Integer, Integer> ports = new HashMap<>();
        int requests = 40_000;
        for (int i = 0; i < requests; i++) {
            RouteDecision decision = router.route(table, "reviews", new Get("/p", Map.of()), clusters, context());
            ports.merge(((RouteDecision.Forward) decision).host().address().getPort(), 1, Integer::sum);
        }
        assertThat((ports.get(1001) + ports.get(1002)) / (double) requests).isCloseTo(0.75, within(0.01));
        assertThat(ports.get(3001) / (double) requests).isCloseTo(0.25, within(0.01));
        assertThat(Math.abs(ports.get(1001) - ports.get(1002))).isLessThanOrEqualTo(1);
    }

    @Test
    void failuresBecomeLocalRepliesWithEnvoyFlags() {
        assertThat(router.route(table, "ratings", new Get("/", Map.of()), clusters, context()))
                .isEqualTo(new RouteDecision.LocalReply(404, ResponseFlag.NO_ROUTE_FOUND, ""));
        assertThat(router.route(null, "reviews", new Get("/", Map.of()), clusters, context()))
                .isEqualTo(new RouteDecision.LocalReply(404, ResponseFlag.NO_ROUTE_FOUND, ""));
        assertThat(router.route(table, "reviews", new Get("/missing", Map.of()), clusters, context()))
                .isEqualTo(new RouteDecision.LocalReply(503, ResponseFlag.NO_CLUSTER_FOUND, ""));
        assertThat(router.route(table, "reviews", new Get("/empty", Map.of()), clusters, context()))
                .isEqualTo(new RouteDecision.LocalReply(503, ResponseFlag.NO_HEALTHY_UPSTREAM, "no healthy upstream"));
    }

    @Test
    void flagsPrintAsEnvoyDoes() {
        RequestContext context = context();
        assertThat(context.flagsString()).isEqualTo("-");
        context.addFlag(ResponseFlag.UPSTREAM_CONNECTION_FAILURE);
        context.addFlag(ResponseFlag.NO_HEALTHY_UPSTREAM);
        assertThat(context.flagsString()).isEqualTo("UH,UF");
        assertThat(context.flags()).containsExactly(ResponseFlag.NO_HEALTHY_UPSTREAM,
                ResponseFlag.UPSTREAM_CONNECTION_FAILURE);
    }
}
