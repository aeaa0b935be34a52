package dev.skiff.proxy.transport;

import dev.skiff.proxy.filter.RequestContext;
import dev.skiff.proxy.filter.RequestListener;

/** Reports a tunnel (TCP proxy, CONNECT or upgraded HTTP) once, when its first side closes. */
final class TunnelCompletion {

    private final RequestContext context;
    private final RequestListener listener;
    private boolean reported;

    TunnelCompletion(RequestContext context, RequestListener listener) {
        this.context = context;
        this.listener = listener;
    }

    RequestContext context() {
        return context;
    }

    void complete() {
        if (!reported) {
            reported = true;
            listener.onComplete(context);
        }
    }
}
