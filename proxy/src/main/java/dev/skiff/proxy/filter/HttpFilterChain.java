package dev.skiff.proxy.filter;

import dev.skiff.proxy.ratelimit.LocalRateLimitFilter;
import dev.skiff.proxy.route.CorsFilter;

import java.util.List;

/**
 * The HTTP filters every request passes, in order, before the router. Immutable; one instance serves every
 * connection. {@link #standard()} is the one place where the proxy's filters are put in order.
 */
public final class HttpFilterChain {

    private static final HttpFilterChain STANDARD = new HttpFilterChain(List.of(new CorsFilter(), new FaultFilter(),
            new LocalRateLimitFilter(), new HashCookieFilter()));

    private final HttpFilter[] filters;

    public HttpFilterChain(List<HttpFilter> filters) {
        this.filters = List.copyOf(filters).toArray(new HttpFilter[0]);
    }

    /** The proxy's filters in the order Envoy (as configured by Istio) runs them. */
    public static HttpFilterChain standard() {
        return STANDARD;
    }

    public int size() {
        return filters.length;
    }

    public HttpFilter get(int index) {
        return filters[index];
    }

    /**
     * Runs the filters from {@code from} on until one stops.
     *
     * @return the index of the filter that stopped, or {@link #size()} when all continued
     */
    public int run(int from, HttpFilterCallbacks request) {
        for (int i = from; i < filters.length; i++) {
            if (filters[i].onRequest(request) == FilterStatus.STOP) {
                return i;
            }
        }
        return filters.length;
    }

    /** Lets every filter see the response head. */
    public void onResponse(HttpFilterCallbacks request, io.netty.handler.codec.http.HttpResponse response) {
        for (HttpFilter filter : filters) {
            filter.onResponse(request, response);
        }
    }
}
