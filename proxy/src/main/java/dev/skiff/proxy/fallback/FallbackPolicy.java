package dev.skiff.proxy.fallback;

import dev.skiff.proxy.filter.RequestContext;
import dev.skiff.proxy.filter.ResponseFlag;
import dev.skiff.proxy.model.RequestHeadersView;
import dev.skiff.proxy.model.Route;
import dev.skiff.proxy.model.RouteTable;
import dev.skiff.proxy.model.VirtualHost;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;

import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A route's fallback response, translated from the local reply mapper Skiff's control plane puts in the route's
 * {@code typed_per_filter_config} under {@value #NAME}: when the sidecar answers a request on the route itself
 * because of one of {@code flags} (UO, UH or URX), or passes on the upstream's answer to the last of exhausted
 * retries (URX), the client gets this status, these headers and this body instead; the flags stay recorded for
 * access logs and metrics.
 *
 * @param flags   the response flags answered with the fallback (a subset of UO, UH and URX, not empty)
 * @param status  the response status (200 to 599)
 * @param headers the response headers, replacing those of the local reply
 * @param body    the response body (UTF-8), possibly empty
 */
public record FallbackPolicy(Set<ResponseFlag> flags, int status, List<Header> headers, String body) {

    /** The name the route's configuration is kept under. */
    public static final String NAME = "skiff.filters.http.fallback";
    /** The flags a fallback may answer. */
    public static final Set<ResponseFlag> ANSWERABLE = Set.copyOf(EnumSet.of(ResponseFlag.UPSTREAM_OVERFLOW,
            ResponseFlag.NO_HEALTHY_UPSTREAM, ResponseFlag.UPSTREAM_RETRY_LIMIT_EXCEEDED));

    /** One response header. */
    public record Header(String name, String value) {
        public Header {
            Objects.requireNonNull(value, "header value");
            if (name == null || name.isEmpty()) {
                throw new IllegalArgumentException("fallback header name is empty (expected: a header name)");
            }
        }
    }

    public FallbackPolicy {
        if (flags.isEmpty() || !ANSWERABLE.containsAll(flags)) {
            throw new IllegalArgumentException("fallback flags " + flags + " (expected: some of UO, UH, URX)");
        }
        if (status < 200 || status > 599) {
            throw new IllegalArgumentException("fallback status " + status + " (expected: 200..599)");
        }
        flags = Set.copyOf(EnumSet.copyOf(flags));
        headers = List.copyOf(headers);
        Objects.requireNonNull(body, "body");
    }

    /**
     * The fallback response for a request the sidecar answers itself on {@code route}, or null when the route has
     * no fallback or the request's flags are not among those it answers.
     */
    public static FullHttpResponse replacing(Route route, RequestContext context) {
        if (route == null) {
            return null;
        }
        FallbackPolicy policy = route.filterConfig(NAME, FallbackPolicy.class);
        return policy == null || !policy.answers(context) ? null : policy.response();
    }

    /**
     * Like {@link #replacing(Route, RequestContext)} for a reply the router gave before the request had a route
     * (no healthy endpoint when it picked one): the route is looked up again, only when a flag a fallback can
     * answer is set.
     */
    public static FullHttpResponse replacing(RouteTable table, String authority, RequestHeadersView request,
                                             RequestContext context) {
        if (table == null || !answerable(context)) {
            return null;
        }
        VirtualHost virtualHost = table.findVirtualHost(authority);
        return virtualHost == null ? null : replacing(virtualHost.findRoute(request), context);
    }

    /**
     * Whether the route's fallback answers instead of an upstream response that ends exhausted retries: the request
     * has the flag URX and the route's fallback answers it.
     */
    public static boolean replacesUpstreamResponse(Route route, RequestContext context) {
        if (route == null || !context.hasFlag(ResponseFlag.UPSTREAM_RETRY_LIMIT_EXCEEDED)) {
            return false;
        }
        FallbackPolicy policy = route.filterConfig(NAME, FallbackPolicy.class);
        return policy != null && policy.flags().contains(ResponseFlag.UPSTREAM_RETRY_LIMIT_EXCEEDED);
    }

    private static boolean answerable(RequestContext context) {
        for (ResponseFlag flag : ANSWERABLE) {
            if (context.hasFlag(flag)) {
                return true;
            }
        }
        return false;
    }

    /** Whether the request carries one of the policy's flags. */
    public boolean answers(RequestContext context) {
        for (ResponseFlag flag : flags) {
            if (context.hasFlag(flag)) {
                return true;
            }
        }
        return false;
    }

    /** A new response: the status, {@code text/plain} unless a header says otherwise, the headers and the body. */
    public FullHttpResponse response() {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.valueOf(status), Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
        HttpHeaders responseHeaders = response.headers();
        if (!body.isEmpty()) {
            responseHeaders.set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.TEXT_PLAIN);
        }
        for (Header header : headers) {
            responseHeaders.set(header.name(), header.value());
        }
        responseHeaders.setInt(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes());
        return response;
    }
}
