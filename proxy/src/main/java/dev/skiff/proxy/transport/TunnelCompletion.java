package dev.skiff.proxy.transport;

import dev.skiff.proxy.filter.RequestContext;
import dev.skiff.proxy.filter.RequestListener;

/**
 * The shared state of a tunnel (TCP proxy, CONNECT or upgraded HTTP): which sides finished sending, and the report
 * made once when the tunnel ends.
 */
final class TunnelCompletion {

    private final RequestContext context;
    private final RequestListener listener;
    private boolean reported;
    private int inputsShut;

    TunnelCompletion(RequestContext context, RequestListener listener) {
        this.context = context;
        this.listener = listener;
    }

    RequestContext context() {
        return context;
    }

    /** Counts one side that finished sending; true once both sides have. */
    boolean inputShutdown() {
        return ++inputsShut >= 2;
    }

    void complete() {
        if (!reported) {
            reported = true;
            listener.onComplete(context);
        }
    }
}
