package dev.skiff.proxy.route;

import dev.skiff.proxy.model.DirectResponseSpec;
import dev.skiff.proxy.model.HeaderMutations;
import dev.skiff.proxy.model.PathMatcher;
import dev.skiff.proxy.model.RedirectSpec;
import dev.skiff.proxy.model.RequestHeadersView;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class LocalResponsesTest {

    private static RequestHeadersView request(String authority, String path) {
        Map<String, String> pseudo = Map.of(":authority", authority, ":path", path, ":scheme", "http");
        return new RequestHeadersView() {
            @Override
            public String path() {
                return path;
            }

            @Override
            public String header(String lowerCaseName) {
                return pseudo.get(lowerCaseName);
            }
        };
    }

    private static RedirectSpec redirect(String scheme, String host, int port, String path, String prefix) {
        return new RedirectSpec(scheme, host, port, path, prefix, false, 301, HeaderMutations.NONE);
    }

    @Test
    void aPathRedirectKeepsTheRequestsHostPortAndQuery() {
        assertThat(LocalResponses.location(redirect(null, null, 0, "/v2/ratings", null), PathMatcher.prefix("/"),
                request("ratings:9080", "/v1/ratings?user=jason"))).isEqualTo("http://ratings:9080/v2/ratings?user=jason");
    }

    @Test
    void aNewHostDropsTheRequestsPortAndADefaultPortIsLeftOut() {
        assertThat(LocalResponses.location(redirect("https", "ratings.example", 0, null, null),
                PathMatcher.prefix("/"), request("ratings:9080", "/a"))).isEqualTo("https://ratings.example/a");
        assertThat(LocalResponses.location(redirect(null, null, 80, null, null), PathMatcher.prefix("/"),
                request("ratings:9080", "/a"))).isEqualTo("http://ratings/a");
        assertThat(LocalResponses.location(redirect(null, "other", 8443, "/b?x=1", null), PathMatcher.prefix("/"),
                request("ratings:9080", "/a?y=2"))).isEqualTo("http://other:8443/b?x=1");
    }

    @Test
    void aPrefixRewriteReplacesTheMatchedPrefix() {
        assertThat(LocalResponses.location(redirect(null, null, 0, null, "/new/"), PathMatcher.prefix("/old/"),
                request("ratings", "/old/1?q"))).isEqualTo("http://ratings/new/1?q");
    }

    @Test
    void aRedirectHasNoBodyAndADirectResponseHasItsTextAndTheRoutesHeaders() {
        HeaderMutations headers = new HeaderMutations(List.of(),
                List.of(new HeaderMutations.HeaderValue("x-answered-by", "proxy", false)));
        FullHttpResponse redirect = LocalResponses.build(new RedirectSpec(null, null, 0, "/new", null, true, 308,
                headers), PathMatcher.prefix("/"), request("ratings", "/old?q"), UnpooledByteBufAllocator.DEFAULT);
        FullHttpResponse direct = LocalResponses.build(new DirectResponseSpec(503,
                "maintenance".getBytes(StandardCharsets.UTF_8), headers), PathMatcher.prefix("/"),
                request("ratings", "/"), UnpooledByteBufAllocator.DEFAULT);
        try {
            assertThat(redirect.status().code()).isEqualTo(308);
            assertThat(redirect.headers().get(HttpHeaderNames.LOCATION)).isEqualTo("http://ratings/new");
            assertThat(redirect.headers().get(HttpHeaderNames.CONTENT_LENGTH)).isEqualTo("0");
            assertThat(redirect.headers().get("x-answered-by")).isEqualTo("proxy");
            assertThat(direct.status().code()).isEqualTo(503);
            assertThat(direct.content().toString(StandardCharsets.UTF_8)).isEqualTo("maintenance");
            assertThat(direct.headers().get(HttpHeaderNames.CONTENT_TYPE)).isEqualTo("text/plain");
            assertThat(direct.headers().get("x-answered-by")).isEqualTo("proxy");
        } finally {
            redirect.release();
            direct.release();
        }
    }
}
