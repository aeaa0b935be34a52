package dev.skiff.proxy.model;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RouteMatchTest {

    private record Request(String method, String path, Map<String, String> headers) implements RequestHeadersView {
        static Request get(String path) {
            return new Request("GET", path, Map.of());
        }

        Request with(String name, String value) {
            Map<String, String> copy = new HashMap<>(headers);
            copy.put(name, value);
            return new Request(method, path, copy);
        }

        @Override
        public String header(String lowerCaseName) {
            if (lowerCaseName.equals(":method")) {
                return method;
            }
            if (lowerCaseName.equals(":path")) {
                return path;
            }
            return headers.get(lowerCaseName);
        }
    }

    private static RouteMatch headers(HeaderMatcher... matchers) {
        return new RouteMatch(PathMatcher.any(), true, List.of(matchers), List.of());
    }

    private static RouteMatch query(QueryParameterMatcher... matchers) {
        return new RouteMatch(PathMatcher.any(), true, List.of(), List.of(matchers));
    }

    @Test
    void exactPathIgnoresTheQueryString() {
        RouteMatch match = RouteMatch.path(PathMatcher.exact("/reviews"));
        assertThat(match.matches(Request.get("/reviews"))).isTrue();
        assertThat(match.matches(Request.get("/reviews?id=1"))).isTrue();
        assertThat(match.matches(Request.get("/reviews/1"))).isFalse();
        assertThat(match.matches(Request.get("/Reviews"))).isFalse();
    }

    @Test
    void prefixAndCaseInsensitiveMatching() {
        assertThat(RouteMatch.prefix("/api").matches(Request.get("/api/v1"))).isTrue();
        assertThat(RouteMatch.prefix("/api").matches(Request.get("/API/v1"))).isFalse();
        RouteMatch insensitive = new RouteMatch(PathMatcher.prefix("/api"), false, List.of(), List.of());
        assertThat(insensitive.matches(Request.get("/API/v1"))).isTrue();
        RouteMatch exact = new RouteMatch(PathMatcher.exact("/api"), false, List.of(), List.of());
        assertThat(exact.matches(Request.get("/ApI?x"))).isTrue();
    }

    @Test
    void regexMustMatchTheWholePathWithoutQuery() {
        RouteMatch match = RouteMatch.path(PathMatcher.regex("/reviews/[0-9]+"));
        assertThat(match.matches(Request.get("/reviews/12"))).isTrue();
        assertThat(match.matches(Request.get("/reviews/12?page=2"))).isTrue();
        assertThat(match.matches(Request.get("/reviews/12/x"))).isFalse();
        assertThat(match.matches(Request.get("/x/reviews/12"))).isFalse();
    }

    @Test
    void headerMatchKinds() {
        Request request = Request.get("/").with("end-user", "jason").with("x-version", "v2-beta");
        assertThat(headers(HeaderMatcher.exact("End-User", "jason")).matches(request)).isTrue();
        assertThat(headers(HeaderMatcher.exact("end-user", "json")).matches(request)).isFalse();
        assertThat(headers(HeaderMatcher.prefix("x-version", "v2")).matches(request)).isTrue();
        assertThat(headers(HeaderMatcher.suffix("x-version", "beta")).matches(request)).isTrue();
        assertThat(headers(HeaderMatcher.contains("x-version", "2-b")).matches(request)).isTrue();
        assertThat(headers(HeaderMatcher.regex("x-version", "v[0-9]-.*")).matches(request)).isTrue();
        assertThat(headers(HeaderMatcher.regex("x-version", "v[0-9]")).matches(request)).isFalse();
        assertThat(headers(HeaderMatcher.present("end-user")).matches(request)).isTrue();
        assertThat(headers(HeaderMatcher.absent("end-user")).matches(request)).isFalse();
        assertThat(headers(HeaderMatcher.absent("cookie")).matches(request)).isTrue();
    }

    @Test
    void invertAppliesOnlyToPresentHeadersAsInEnvoy() {
        Request request = Request.get("/").with("end-user", "jason");
        assertThat(headers(HeaderMatcher.exact("end-user", "jason").inverted()).matches(request)).isFalse();
        assertThat(headers(HeaderMatcher.exact("end-user", "bob").inverted()).matches(request)).isTrue();
        assertThat(headers(HeaderMatcher.exact("missing", "x").inverted()).matches(request)).isFalse();
        assertThat(headers(HeaderMatcher.present("missing").inverted()).matches(request)).isTrue();
        assertThat(headers(HeaderMatcher.absent("missing").inverted()).matches(request)).isFalse();
    }

    @Test
    void methodIsAPseudoHeaderMatch() {
        RouteMatch post = headers(HeaderMatcher.method("POST"));
        assertThat(post.matches(new Request("POST", "/", Map.of()))).isTrue();
        assertThat(post.matches(Request.get("/"))).isFalse();
    }

    @Test
    void queryParameterMatchers() {
        Request request = Request.get("/search?q=hello%20world&debug&page=2&page=3");
        assertThat(query(QueryParameterMatcher.exact("q", "hello world")).matches(request)).isTrue();
        assertThat(query(QueryParameterMatcher.exact("page", "2")).matches(request)).isTrue();
        assertThat(query(QueryParameterMatcher.exact("page", "3")).matches(request)).isFalse();
        assertThat(query(QueryParameterMatcher.regex("page", "[0-9]")).matches(request)).isTrue();
        assertThat(query(QueryParameterMatcher.present("debug")).matches(request)).isTrue();
        assertThat(query(QueryParameterMatcher.present("deb")).matches(request)).isFalse();
        assertThat(query(QueryParameterMatcher.present("q")).matches(Request.get("/search"))).isFalse();
    }

    @Test
    void allConditionsMustHold() {
        RouteMatch match = new RouteMatch(PathMatcher.prefix("/api"), true,
                List.of(HeaderMatcher.method("GET"), HeaderMatcher.exact("x-canary", "1")),
                List.of(QueryParameterMatcher.present("v")));
        assertThat(match.matches(Request.get("/api?v").with("x-canary", "1"))).isTrue();
        assertThat(match.matches(Request.get("/api").with("x-canary", "1"))).isFalse();
        assertThat(match.matches(Request.get("/api?v"))).isFalse();
        assertThat(match.matches(Request.get("/other?v").with("x-canary", "1"))).isFalse();
    }

    @Test
    void firstMatchingRouteOfAVirtualHostWins() {
        VirtualHost host = new VirtualHost("h", List.of("*"), List.of(
                new Route("jason", headers(HeaderMatcher.exact("end-user", "jason")), RouteAction.cluster("v2")),
                new Route("rest", RouteMatch.prefix("/"), RouteAction.cluster("v1"))));
        assertThat(host.findRoute(Request.get("/").with("end-user", "jason")).name()).isEqualTo("jason");
        assertThat(host.findRoute(Request.get("/")).name()).isEqualTo("rest");
        assertThat(host.findRoute(Request.get("nopath"))).isNull();
    }

    @Test
    void invalidRecordsSayWhatWasExpected() {
        assertThatThrownBy(() -> new RouteAction(List.of(new WeightedCluster("a", 0))))
                .hasMessage("route action clusters: total weight 0 (expected: 1..2147483647)");
        assertThatThrownBy(() -> new WeightedCluster("a", -1))
                .hasMessage("weight of cluster a: -1 (expected: >= 0)");
        assertThatThrownBy(() -> new HttpConnectionManagerSpec(null, null))
                .hasMessageContaining("expected: exactly one of an RDS route table name or an inline route table");
        assertThatThrownBy(() -> new ClusterSpec("c", LbPolicy.ROUND_ROBIN, UpstreamProtocol.HTTP1,
                java.time.Duration.ZERO, false)).hasMessage("connect timeout of cluster c: PT0S (expected: > 0)");
    }
}
