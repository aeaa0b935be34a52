package dev.skiff.proxy.filter;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponse;

/**
 * Sets the cookie a route's cookie hash policy generated for a request that came without it, on the upstream
 * response, so that the client's next requests hash the same way (Envoy's router does this for cookie hash
 * policies with a ttl).
 */
public final class HashCookieFilter implements HttpFilter {

    /** The name under which the filter runs. */
    public static final String NAME = "skiff.hash_cookie";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public FilterStatus onRequest(HttpFilterCallbacks request) {
        return FilterStatus.CONTINUE;
    }

    @Override
    public void onResponse(HttpFilterCallbacks request, HttpResponse response) {
        String setCookie = request.context().hashCookie();
        if (setCookie != null) {
            response.headers().add(HttpHeaderNames.SET_COOKIE, setCookie);
        }
    }
}
