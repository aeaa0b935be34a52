package dev.skiff.proxy.filter;

import dev.skiff.proxy.model.ClusterPolicy;
import dev.skiff.proxy.model.ClusterSpec;
import dev.skiff.proxy.model.Direction;
import dev.skiff.proxy.model.Endpoint;
import dev.skiff.proxy.model.EndpointSet;
import dev.skiff.proxy.model.HashPolicy;
import dev.skiff.proxy.model.LbPolicy;
import dev.skiff.proxy.model.ProxyConfigSnapshot;
import dev.skiff.proxy.model.RequestHeadersView;
import dev.skiff.proxy.model.Route;
import dev.skiff.proxy.model.RouteAction;
import dev.skiff.proxy.model.RouteMatch;
import dev.skiff.proxy.model.RouteTable;
import dev.skiff.proxy.model.UpstreamProtocol;
import dev.skiff.proxy.model.VirtualHost;
import dev.skiff.proxy.upstream.UpstreamClusters;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/** Routes with hash policies reach the same endpoint for the same key, over ring hash and Maglev clusters. */
class ConsistentHashRoutingTest {

    private record Get(String path, Map<String, String> headers) implements RequestHeadersView {
        @Override
        public String header(String lowerCaseName) {
            return headers.get(lowerCaseName);
        }
    }

    private static UpstreamClusters clusters(LbPolicy policy) {
        ClusterSpec spec = new ClusterSpec("c", policy, UpstreamProtocol.HTTP1, Duration.ofSeconds(1), false,
                ClusterPolicy.DEFAULT);
        List<Endpoint> endpoints = List.of(new Endpoint(new InetSocketAddress("127.0.42.2", 80)),
                new Endpoint(new InetSocketAddress("127.0.42.3", 80)),
                new Endpoint(new InetSocketAddress("127.0.42.4", 80)));
        return UpstreamClusters.build(new ProxyConfigSnapshot("1", List.of(), Map.of(), Map.of("c", spec),
                Map.of("c", new EndpointSet("c", endpoints))), UpstreamClusters.empty(), 1);
    }

    private static RouteTable table(HashPolicy... policies) {
        return new RouteTable("80", List.of(new VirtualHost("svc:80", List.of("svc"), List.of(
                new Route("default", RouteMatch.prefix("/"), RouteAction.cluster("c")
                        .withHashPolicies(List.of(policies)))))));
    }

    private static InetSocketAddress host(RouterFilter router, RouteTable table, UpstreamClusters clusters,
                                          Get request, String sourceIp) {
        RequestContext context = new RequestContext("virtualOutbound", Direction.OUTBOUND, 0)
                .downstreamRemoteAddress(new InetSocketAddress(sourceIp, 40000));
        RouteDecision decision = router.route(table, "svc", request, clusters, context);
        return ((RouteDecision.Forward) decision).host().address();
    }

    @Test
    void theSameHeaderValueAlwaysReachesTheSameEndpoint() {
        for (LbPolicy policy : List.of(LbPolicy.RING_HASH, LbPolicy.MAGLEV)) {
            UpstreamClusters clusters = clusters(policy);
            RouteTable table = table(new HashPolicy(HashPolicy.Kind.HEADER, "x-user", "", null, false));
            RouterFilter router = new RouterFilter(new SplittableRandom(5), 0);
            Set<InetSocketAddress> used = new HashSet<>();
            for (int user = 0; user < 50; user++) {
                Get request = new Get("/", Map.of("x-user", "user-" + user));
                InetSocketAddress first = host(router, table, clusters, request, "127.0.0.1");
                for (int again = 0; again < 5; again++) {
                    assertThat(host(router, table, clusters, request, "127.0.0.1")).as("%s user-%d", policy, user)
                            .isEqualTo(first);
                }
                used.add(first);
            }
            assertThat(used).as("users spread over the endpoints with %s", policy).hasSize(3);
        }
    }

    @Test
    void cookieSourceIpAndQueryParameterKeys() {
        UpstreamClusters clusters = clusters(LbPolicy.RING_HASH);
        RouterFilter router = new RouterFilter(new SplittableRandom(5), 0);
        RouteTable byCookie = table(new HashPolicy(HashPolicy.Kind.COOKIE, "session", "/", null, false));
        RouteTable bySource = table(new HashPolicy(HashPolicy.Kind.SOURCE_IP, "", "", null, false));
        RouteTable byQuery = table(new HashPolicy(HashPolicy.Kind.QUERY_PARAMETER, "user", "", null, false));

        Get cookie = new Get("/", Map.of("cookie", "a=1; session=abc; b=2"));
        assertThat(host(router, byCookie, clusters, cookie, "127.0.0.1"))
                .isEqualTo(host(router, byCookie, clusters, new Get("/x", Map.of("cookie", "session=abc")),
                        "127.0.0.9"));
        InetSocketAddress fromSource = host(router, bySource, clusters, new Get("/", Map.of()), "127.0.0.7");
        for (int i = 0; i < 5; i++) {
            assertThat(host(router, bySource, clusters, new Get("/" + i, Map.of()), "127.0.0.7"))
                    .isEqualTo(fromSource);
        }
        InetSocketAddress fromQuery = host(router, byQuery, clusters, new Get("/a?x=1&user=42", Map.of()), "1.1.1.1");
        assertThat(host(router, byQuery, clusters, new Get("/b?user=42", Map.of()), "1.1.1.2")).isEqualTo(fromQuery);
    }

    @Test
    void aMissingCookieWithATtlIsGeneratedFromThePeerAndSetOnTheResponse() {
        UpstreamClusters clusters = clusters(LbPolicy.RING_HASH);
        RouterFilter router = new RouterFilter(new SplittableRandom(5), 0);
        RouteTable table = table(new HashPolicy(HashPolicy.Kind.COOKIE, "session", "/", Duration.ofSeconds(60),
                false));
        RequestContext first = new RequestContext("l", Direction.OUTBOUND, 0)
                .downstreamRemoteAddress(new InetSocketAddress("127.0.0.5", 40000));
        RouteDecision decision = router.route(table, "svc", new Get("/", Map.of()), clusters, first);

        String setCookie = first.hashCookie();
        assertThat(setCookie).matches("session=\"[0-9a-f]{16}\"; Max-Age=60; Path=/; HttpOnly");
        String value = setCookie.substring("session=\"".length(), setCookie.indexOf('"', "session=\"".length()));
        RequestContext next = new RequestContext("l", Direction.OUTBOUND, 0)
                .downstreamRemoteAddress(new InetSocketAddress("127.0.0.6", 40001));
        RouteDecision again = router.route(table, "svc", new Get("/", Map.of("cookie", "session=\"" + value + "\"")),
                clusters, next);
        assertThat(next.hashCookie()).isNull();
        assertThat(((RouteDecision.Forward) again).host()).isSameAs(((RouteDecision.Forward) decision).host());
    }

    @Test
    void keysAreFoundInCookieHeadersAndQueryStrings() {
        assertThat(RequestHasher.cookie("a=1; session=abc; b=2", "session")).isEqualTo("abc");
        assertThat(RequestHasher.cookie("sessionx=1", "session")).isNull();
        assertThat(RequestHasher.cookie(null, "session")).isNull();
        assertThat(RequestHasher.queryParameter("/p?a=1&user=42&user=43", "user")).isEqualTo("42");
        assertThat(RequestHasher.queryParameter("/p?flag&user=1", "flag")).isEmpty();
        assertThat(RequestHasher.queryParameter("/p", "user")).isNull();
    }

    @Test
    void policiesFoldTogetherAndATerminalOneEndsTheList() {
        RequestHasher hasher = new RequestHasher();
        RequestContext context = new RequestContext("l", Direction.OUTBOUND, 0);
        Get request = new Get("/", Map.of("a", "1", "b", "2"));
        HashPolicy a = new HashPolicy(HashPolicy.Kind.HEADER, "a", "", null, false);
        HashPolicy terminalA = new HashPolicy(HashPolicy.Kind.HEADER, "a", "", null, true);
        HashPolicy b = new HashPolicy(HashPolicy.Kind.HEADER, "b", "", null, false);
        HashPolicy missing = new HashPolicy(HashPolicy.Kind.HEADER, "missing", "", null, false);

        assertThat(hasher.compute(List.of(missing), request, context)).isFalse();
        assertThat(hasher.compute(List.of(a), request, context)).isTrue();
        long onlyA = hasher.hash();
        hasher.compute(List.of(a, b), request, context);
        assertThat(hasher.hash()).isNotEqualTo(onlyA);
        hasher.compute(List.of(terminalA, b), request, context);
        assertThat(hasher.hash()).isEqualTo(onlyA);
        hasher.compute(List.of(missing, a), request, context);
        assertThat(hasher.hash()).isEqualTo(onlyA);
    }
}
