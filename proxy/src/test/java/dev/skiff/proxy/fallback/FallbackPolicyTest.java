package dev.skiff.proxy.fallback;

import dev.skiff.proxy.filter.RequestContext;
import dev.skiff.proxy.filter.ResponseFlag;
import dev.skiff.proxy.model.Direction;
import dev.skiff.proxy.model.RequestHeadersView;
import dev.skiff.proxy.model.Route;
import dev.skiff.proxy.model.RouteAction;
import dev.skiff.proxy.model.RouteMatch;
import dev.skiff.proxy.model.RouteTable;
import dev.skiff.proxy.model.VirtualHost;
import io.netty.handler.codec.http.FullHttpResponse;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FallbackPolicyTest {

    private static final FallbackPolicy POLICY = new FallbackPolicy(
            Set.of(ResponseFlag.UPSTREAM_OVERFLOW, ResponseFlag.NO_HEALTHY_UPSTREAM), 200,
            List.of(new FallbackPolicy.Header("content-type", "application/json"),
                    new FallbackPolicy.Header("x-fallback", "reviews")),
            "{\"reviews\":[]}");

    private record Get(String path) implements RequestHeadersView {
        @Override
        public String header(String lowerCaseName) {
            return lowerCaseName.equals(":method") ? "GET" : null;
        }
    }

    private static RequestContext flagged(ResponseFlag... flags) {
        RequestContext context = new RequestContext("virtualOutbound", Direction.OUTBOUND, 0);
        for (ResponseFlag flag : flags) {
            context.addFlag(flag);
        }
        return context;
    }

    private static Route route(String name, String prefix, FallbackPolicy policy) {
        return new Route(name, RouteMatch.prefix(prefix), RouteAction.cluster("outbound|9080||reviews"),
                policy == null ? Map.of() : Map.of(FallbackPolicy.NAME, policy));
    }

    @Test
    void answersItsFlagsWithTheConfiguredResponse() {
        FullHttpResponse response = FallbackPolicy.replacing(route("v2", "/", POLICY),
                flagged(ResponseFlag.NO_HEALTHY_UPSTREAM));
        try {
            assertThat(response.status().code()).isEqualTo(200);
            assertThat(response.headers().get("content-type")).isEqualTo("application/json");
            assertThat(response.headers().get("x-fallback")).isEqualTo("reviews");
            assertThat(response.headers().getInt("content-length")).isEqualTo(14);
            assertThat(response.content().toString(StandardCharsets.UTF_8)).isEqualTo("{\"reviews\":[]}");
        } finally {
            response.release();
        }
    }

    @Test
    void leavesOtherRepliesAndRoutesWithoutAFallbackAlone() {
        assertThat(FallbackPolicy.replacing(route("v2", "/", POLICY),
                flagged(ResponseFlag.UPSTREAM_CONNECTION_FAILURE))).isNull();
        assertThat(FallbackPolicy.replacing(route("v2", "/", POLICY),
                flagged(ResponseFlag.UPSTREAM_CONNECTION_FAILURE, ResponseFlag.UPSTREAM_RETRY_LIMIT_EXCEEDED)))
                .isNull();
        assertThat(FallbackPolicy.replacing(route("v1", "/", null),
                flagged(ResponseFlag.NO_HEALTHY_UPSTREAM))).isNull();
        assertThat(FallbackPolicy.replacing((Route) null, flagged(ResponseFlag.NO_HEALTHY_UPSTREAM))).isNull();
    }

    @Test
    void findsTheRouteOfARouterReplyInTheRouteTable() {
        RouteTable table = new RouteTable("9080", List.of(new VirtualHost("reviews:9080",
                List.of("reviews", "reviews:9080"), List.of(route("v2", "/v2", POLICY), route("v1", "/", null)))));

        FullHttpResponse response = FallbackPolicy.replacing(table, "reviews:9080", new Get("/v2/list"),
                flagged(ResponseFlag.NO_HEALTHY_UPSTREAM));
        assertThat(response.status().code()).isEqualTo(200);
        response.release();
        assertThat(FallbackPolicy.replacing(table, "reviews:9080", new Get("/v1"),
                flagged(ResponseFlag.NO_HEALTHY_UPSTREAM))).isNull();
        assertThat(FallbackPolicy.replacing(table, "ratings:9080", new Get("/v2"),
                flagged(ResponseFlag.NO_HEALTHY_UPSTREAM))).isNull();
        assertThat(FallbackPolicy.replacing(null, "reviews:9080", new Get("/v2"),
                flagged(ResponseFlag.NO_HEALTHY_UPSTREAM))).isNull();
    }

    @Test
    void replacesAnUpstreamResponseOnlyWhenRetriesAreExhaustedAndItAnswersUrx() {
        FallbackPolicy urx = new FallbackPolicy(Set.of(ResponseFlag.UPSTREAM_RETRY_LIMIT_EXCEEDED), 503, List.of(),
                "later");

        assertThat(FallbackPolicy.replacesUpstreamResponse(route("r", "/", urx),
                flagged(ResponseFlag.UPSTREAM_RETRY_LIMIT_EXCEEDED))).isTrue();
        assertThat(FallbackPolicy.replacesUpstreamResponse(route("r", "/", urx), flagged())).isFalse();
        assertThat(FallbackPolicy.replacesUpstreamResponse(route("r", "/", POLICY),
                flagged(ResponseFlag.UPSTREAM_RETRY_LIMIT_EXCEEDED))).isFalse();
        assertThat(FallbackPolicy.replacesUpstreamResponse(route("r", "/", null),
                flagged(ResponseFlag.UPSTREAM_RETRY_LIMIT_EXCEEDED))).isFalse();
    }

    @Test
    void refusesFlagsItCannotAnswerAndBadStatuses() {
        assertThatThrownBy(() -> new FallbackPolicy(Set.of(ResponseFlag.UPSTREAM_CONNECTION_FAILURE), 200,
                List.of(), "")).hasMessageContaining("expected: some of UO, UH, URX");
        assertThatThrownBy(() -> new FallbackPolicy(Set.of(), 200, List.of(), ""))
                .hasMessageContaining("expected: some of UO, UH, URX");
        assertThatThrownBy(() -> new FallbackPolicy(Set.of(ResponseFlag.NO_HEALTHY_UPSTREAM), 600, List.of(), ""))
                .hasMessageContaining("status 600 (expected: 200..599)");
    }
}
