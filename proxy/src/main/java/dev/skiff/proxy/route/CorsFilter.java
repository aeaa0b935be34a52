package dev.skiff.proxy.route;

import dev.skiff.proxy.filter.FilterStatus;
import dev.skiff.proxy.filter.HttpFilter;
import dev.skiff.proxy.filter.HttpFilterCallbacks;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;

/**
 * Envoy's {@code envoy.filters.http.cors} for routes that carry a {@link CorsPolicy}. A preflight ({@code OPTIONS}
 * with {@code Origin} and {@code Access-Control-Request-Method}) from an allowed origin is answered here with 200
 * and the {@code access-control-allow-*} headers and never goes upstream; one from another origin goes upstream, or
 * is answered 200 without CORS headers when the policy does not forward unmatched preflights. Responses to other
 * requests from an allowed origin get {@code access-control-allow-origin} (the origin), the credentials flag and
 * the exposed headers.
 */
public final class CorsFilter implements HttpFilter {

    public static final String NAME = "envoy.filters.http.cors";

    private static final AsciiString TRUE = AsciiString.cached("true");

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public FilterStatus onRequest(HttpFilterCallbacks request) {
        CorsPolicy policy = request.route().filterConfig(NAME, CorsPolicy.class);
        if (policy == null) {
            return FilterStatus.CONTINUE;
        }
        HttpRequest head = request.request();
        String origin = head.headers().get(HttpHeaderNames.ORIGIN);
        if (origin == null || origin.isEmpty() || !isPreflight(head)) {
            return FilterStatus.CONTINUE;
        }
        boolean allowed = policy.allows(origin);
        if (!allowed && policy.forwardNotMatchingPreflights()) {
            return FilterStatus.CONTINUE;
        }
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                Unpooled.EMPTY_BUFFER);
        HttpUtil.setContentLength(response, 0);
        if (allowed) {
            HttpHeaders headers = response.headers();
            headers.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, origin);
            if (policy.allowCredentials()) {
                headers.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_CREDENTIALS, TRUE);
            }
            setIfPresent(headers, HttpHeaderNames.ACCESS_CONTROL_ALLOW_METHODS, policy.allowMethods());
            setIfPresent(headers, HttpHeaderNames.ACCESS_CONTROL_ALLOW_HEADERS, policy.allowHeaders());
            setIfPresent(headers, HttpHeaderNames.ACCESS_CONTROL_MAX_AGE, policy.maxAge());
        }
        request.sendLocalResponse(response, null);
        return FilterStatus.STOP;
    }

    @Override
    public void onResponse(HttpFilterCallbacks request, HttpResponse response) {
        CorsPolicy policy = request.route().filterConfig(NAME, CorsPolicy.class);
        if (policy == null) {
            return;
        }
        HttpRequest head = request.request();
        String origin = head.headers().get(HttpHeaderNames.ORIGIN);
        if (origin == null || origin.isEmpty() || isPreflight(head) || !policy.allows(origin)) {
            return;
        }
        HttpHeaders headers = response.headers();
        headers.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        if (policy.allowCredentials()) {
            headers.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_CREDENTIALS, TRUE);
        }
        setIfPresent(headers, HttpHeaderNames.ACCESS_CONTROL_EXPOSE_HEADERS, policy.exposeHeaders());
    }

    private static boolean isPreflight(HttpRequest head) {
        if (!HttpMethod.OPTIONS.equals(head.method())) {
            return false;
        }
        String method = head.headers().get(HttpHeaderNames.ACCESS_CONTROL_REQUEST_METHOD);
        return method != null && !method.isEmpty();
    }

    private static void setIfPresent(HttpHeaders headers, AsciiString name, String value) {
        if (!value.isEmpty()) {
            headers.set(name, value);
        }
    }
}
