package dev.skiff.proxy.filter;

import io.netty.handler.codec.http.HttpHeaders;

/**
 * Told about every finished request or TCP connection, on the event loop that served it; must not block.
 * Telemetry and access logging plug in here.
 */
@FunctionalInterface
public interface RequestListener {

    RequestListener NONE = context -> { };

    void onComplete(RequestContext context);

    /**
     * The head of a request about to be forwarded upstream, after routing and the proxy's own header changes;
     * headers may be read, added and removed here (Istio's peer metadata exchange does).
     */
    default void onRequestHeaders(RequestContext context, HttpHeaders headers) {
    }

    /** The head of an upstream response about to be sent downstream; headers may be read, added and removed. */
    default void onResponseHeaders(RequestContext context, HttpHeaders headers) {
    }

    /** A TCP connection (TCP proxy chain or CONNECT tunnel) reached its upstream and starts relaying. */
    default void onConnectionOpened(RequestContext context) {
    }
}
