package dev.skiff.proxy.route;

import dev.skiff.proxy.filter.FilterStatus;
import dev.skiff.proxy.filter.HttpFilterCallbacks;
import dev.skiff.proxy.filter.RequestContext;
import dev.skiff.proxy.filter.ResponseFlag;
import dev.skiff.proxy.model.HeaderMatcher;
import dev.skiff.proxy.model.Route;
import dev.skiff.proxy.model.RouteAction;
import dev.skiff.proxy.model.RouteMatch;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.concurrent.EventExecutor;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;

import static org.assertj.core.api.Assertions.assertThat;

class CorsFilterTest {

    private static final CorsPolicy POLICY = new CorsPolicy(List.of(HeaderMatcher.exact("origin",
            "https://app.example"), HeaderMatcher.regex("origin", "https://.*\\.trusted\\.example")), "GET,POST",
            "x-token", "x-trace", "600", true, true);

    private final CorsFilter filter = new CorsFilter();

    /** The filter's view of one request; records a local answer. */
    private static final class Request implements HttpFilterCallbacks {
        private final HttpRequest head;
        private final Route route;
        private FullHttpResponse answer;

        Request(HttpMethod method, String origin, CorsPolicy policy) {
            head = new DefaultHttpRequest(HttpVersion.HTTP_1_1, method, "/api");
            if (origin != null) {
                head.headers().set("origin", origin);
            }
            if (method.equals(HttpMethod.OPTIONS)) {
                head.headers().set("access-control-request-method", "POST");
            }
            route = new Route("api", RouteMatch.prefix("/"), RouteAction.cluster("outbound|80||api"),
                    Map.of(CorsFilter.NAME, policy));
        }

        @Override
        public HttpRequest request() {
            return head;
        }

        @Override
        public Route route() {
            return route;
        }

        @Override
        public RequestContext context() {
            throw new UnsupportedOperationException("the CORS filter records no flags");
        }

        @Override
        public RandomGenerator random() {
            throw new UnsupportedOperationException("the CORS filter needs no randomness");
        }

        @Override
        public EventExecutor executor() {
            throw new UnsupportedOperationException("the CORS filter schedules nothing");
        }

        @Override
        public boolean isDone() {
            return answer != null;
        }

        @Override
        public void sendLocalReply(int status, String body, ResponseFlag flag) {
            throw new UnsupportedOperationException("the CORS filter answers with a built response");
        }

        @Override
        public void sendLocalResponse(FullHttpResponse response, ResponseFlag flag) {
            answer = response;
        }

        @Override
        public void resume() {
            throw new UnsupportedOperationException("the CORS filter never waits");
        }
    }

    @Test
    void aPreflightFromAnAllowedOriginIsAnsweredWithTheAllowHeaders() {
        Request request = new Request(HttpMethod.OPTIONS, "https://shop.trusted.example", POLICY);

        assertThat(filter.onRequest(request)).isEqualTo(FilterStatus.STOP);
        try {
            assertThat(request.answer.status().code()).isEqualTo(200);
            assertThat(request.answer.headers().get("access-control-allow-origin"))
                    .isEqualTo("https://shop.trusted.example");
            assertThat(request.answer.headers().get("access-control-allow-methods")).isEqualTo("GET,POST");
            assertThat(request.answer.headers().get("access-control-allow-headers")).isEqualTo("x-token");
            assertThat(request.answer.headers().get("access-control-max-age")).isEqualTo("600");
            assertThat(request.answer.headers().get("access-control-allow-credentials")).isEqualTo("true");
        } finally {
            request.answer.release();
        }
    }

    @Test
    void aPreflightFromAnotherOriginIsForwardedOrAnsweredWithoutCorsHeaders() {
        assertThat(filter.onRequest(new Request(HttpMethod.OPTIONS, "https://evil.example", POLICY)))
                .isEqualTo(FilterStatus.CONTINUE);

        CorsPolicy strict = new CorsPolicy(POLICY.allowOrigins(), "GET", "", "", "", false, false);
        Request request = new Request(HttpMethod.OPTIONS, "https://evil.example", strict);
        assertThat(filter.onRequest(request)).isEqualTo(FilterStatus.STOP);
        try {
            assertThat(request.answer.status().code()).isEqualTo(200);
            assertThat(request.answer.headers().names()).noneMatch(name -> name.startsWith("access-control-"));
        } finally {
            request.answer.release();
        }
    }

    @Test
    void actualRequestsFromAllowedOriginsGetTheOriginAndExposedHeadersBack() {
        Request allowed = new Request(HttpMethod.GET, "https://app.example", POLICY);
        Request other = new Request(HttpMethod.GET, "https://evil.example", POLICY);
        HttpResponse allowedResponse = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        HttpResponse otherResponse = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);

        assertThat(filter.onRequest(allowed)).isEqualTo(FilterStatus.CONTINUE);
        filter.onResponse(allowed, allowedResponse);
        filter.onResponse(other, otherResponse);

        assertThat(allowedResponse.headers().get("access-control-allow-origin")).isEqualTo("https://app.example");
        assertThat(allowedResponse.headers().get("access-control-expose-headers")).isEqualTo("x-trace");
        assertThat(allowedResponse.headers().get("access-control-allow-credentials")).isEqualTo("true");
        assertThat(otherResponse.headers().names()).noneMatch(name -> name.startsWith("access-control-"));
    }
}
