package dev.skiff.proxy.filter;

import io.netty.handler.codec.http.HttpResponse;

/**
 * One step of the L7 request pipeline, run in order after the route was picked and before the router forwards the
 * request (as Envoy's HTTP filters run before {@code envoy.filters.http.router}). A filter is shared by every
 * request of every event loop, so it keeps no per-request state of its own: what it needs per route comes from
 * {@link dev.skiff.proxy.model.Route#filterConfig(String, Class)}, what it needs per request from the
 * {@link HttpFilterCallbacks} it is handed, which are the exchange itself (no allocation per request).
 */
public interface HttpFilter {

    /** The Envoy filter name this filter implements, e.g. {@code envoy.filters.http.fault}. */
    String name();

    /**
     * Sees the request head (headers may be changed) before it goes upstream.
     *
     * @return {@link FilterStatus#CONTINUE} to run the next filter, {@link FilterStatus#STOP} when the filter
     *         answered the request itself ({@link HttpFilterCallbacks#sendLocalReply}) or will call
     *         {@link HttpFilterCallbacks#resume()} later from the request's event loop
     */
    FilterStatus onRequest(HttpFilterCallbacks request);

    /**
     * Sees the head of an upstream response before it goes downstream (headers may be changed). Runs for every
     * filter of the chain, whether or not its {@link #onRequest} ran to the end; local replies do not pass here.
     */
    default void onResponse(HttpFilterCallbacks request, HttpResponse response) {
    }
}
