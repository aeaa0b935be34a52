package dev.skiff.proxy.route;

import dev.skiff.proxy.model.DirectResponseSpec;
import dev.skiff.proxy.model.LocalResponseSpec;
import dev.skiff.proxy.model.PathMatcher;
import dev.skiff.proxy.model.RedirectSpec;
import dev.skiff.proxy.model.RequestHeadersView;
import dev.skiff.proxy.policy.Mutations;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;

/**
 * The answers of routes the proxy serves itself, as Envoy's router gives them: a redirect is the request's URL with
 * the configured parts replaced, in {@code Location}, without a body; a direct response is the configured status
 * and body ({@code text/plain} when there is one). The route's response header changes apply to both.
 */
public final class LocalResponses {

    private LocalResponses() {
    }

    /**
     * @param spec        what the route answers
     * @param matchedPath the route's path condition, whose prefix a redirect's {@code prefix_rewrite} replaces
     * @param request     the request as routing saw it ({@code :scheme}, {@code :authority}, {@code :path})
     * @param alloc       allocates the body of a direct response
     */
    public static FullHttpResponse build(LocalResponseSpec spec, PathMatcher matchedPath, RequestHeadersView request,
                                         ByteBufAllocator alloc) {
        FullHttpResponse response = switch (spec) {
            case RedirectSpec redirect -> {
                FullHttpResponse out = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                        HttpResponseStatus.valueOf(redirect.status()), Unpooled.EMPTY_BUFFER);
                out.headers().set(HttpHeaderNames.LOCATION, location(redirect, matchedPath, request));
                yield out;
            }
            case DirectResponseSpec direct -> {
                ByteBuf body = direct.body().length == 0 ? Unpooled.EMPTY_BUFFER
                        : alloc.buffer(direct.body().length).writeBytes(direct.body());
                FullHttpResponse out = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                        HttpResponseStatus.valueOf(direct.status()), body);
                if (body.isReadable()) {
                    out.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.TEXT_PLAIN);
                }
                yield out;
            }
        };
        HttpUtil.setContentLength(response, response.content().readableBytes());
        Mutations.applyHeaders(spec.responseHeaders(), response.headers());
        return response;
    }

    /**
     * The redirect's URL: scheme, host and port from the redirect where set, else from the request (a port that is
     * the scheme's default is left out); the path replaced whole, by prefix, or kept; the query kept unless the new
     * path brings its own or the redirect strips it.
     */
    static String location(RedirectSpec redirect, PathMatcher matchedPath, RequestHeadersView request) {
        String requestScheme = request.header(":scheme");
        String scheme = redirect.scheme() != null ? redirect.scheme() : requestScheme == null ? "http" : requestScheme;
        String authority = request.header(":authority");
        authority = authority == null ? "" : authority;
        String host;
        int port;
        if (redirect.host() != null) {
            host = redirect.host();
            port = redirect.port();
        } else {
            int colon = portColon(authority);
            host = colon < 0 ? authority : authority.substring(0, colon);
            port = redirect.port() != 0 ? redirect.port()
                    : colon < 0 ? 0 : parsePort(authority.substring(colon + 1));
        }
        if (port == defaultPort(scheme) || (redirect.port() == 0 && port == defaultPort(requestScheme))) {
            port = 0;
        }
        String fullPath = request.header(":path");
        fullPath = fullPath == null || fullPath.isEmpty() ? "/" : fullPath;
        int queryStart = fullPath.indexOf('?');
        String path = queryStart < 0 ? fullPath : fullPath.substring(0, queryStart);
        String query = queryStart < 0 || redirect.stripQuery() ? "" : fullPath.substring(queryStart);
        if (redirect.pathRedirect() != null) {
            path = redirect.pathRedirect();
            if (path.indexOf('?') >= 0) {
                query = "";
            }
        } else if (redirect.prefixRewrite() != null) {
            path = rewritePrefix(path, redirect.prefixRewrite(), matchedPath);
        }
        StringBuilder url = new StringBuilder(scheme.length() + host.length() + path.length() + query.length() + 10)
                .append(scheme).append("://").append(host);
        if (port != 0) {
            url.append(':').append(port);
        }
        return url.append(path).append(query).toString();
    }

    /** Replaces the prefix the route matched (the whole path after an exact match). */
    private static String rewritePrefix(String path, String replacement, PathMatcher matchedPath) {
        return switch (matchedPath) {
            case PathMatcher.Prefix prefix when path.length() >= prefix.prefix().length() ->
                    replacement + path.substring(prefix.prefix().length());
            case PathMatcher.Exact exact -> replacement;
            default -> path;
        };
    }

    /** The index of the colon before the port of an authority, or -1 when it names no port. */
    private static int portColon(String authority) {
        int colon = authority.lastIndexOf(':');
        return colon < 0 || authority.indexOf(']', colon) >= 0 ? -1 : colon;
    }

    private static int parsePort(String digits) {
        try {
            return Integer.parseInt(digits);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static int defaultPort(String scheme) {
        if ("https".equalsIgnoreCase(scheme)) {
            return 443;
        }
        return "http".equalsIgnoreCase(scheme) ? 80 : -1;
    }
}
