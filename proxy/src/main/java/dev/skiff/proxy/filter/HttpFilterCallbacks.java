package dev.skiff.proxy.filter;

import dev.skiff.proxy.model.Route;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.util.concurrent.EventExecutor;

import java.util.random.RandomGenerator;

/**
 * What a filter may see and do for one request. Every method is called on the request's event loop only; the
 * object stays valid until the request completes ({@link #isDone()}).
 */
public interface HttpFilterCallbacks {

    /** The request head as it will go upstream (path in origin form, headers mutable). */
    HttpRequest request();

    /** The route the request matched. */
    Route route();

    /** What happened so far; filters add their response flags here. */
    RequestContext context();

    /** The event loop's random generator (for percentages). */
    RandomGenerator random();

    /** The request's event loop, for timers; tasks must check {@link #isDone()} first. */
    EventExecutor executor();

    /** Whether the request is over (answered, failed, or the downstream went away). */
    boolean isDone();

    /**
     * Answers the request locally and ends it; the filter then returns {@link FilterStatus#STOP} (or, when
     * called after a stop, simply does not resume).
     *
     * @param flag why, recorded on the context; null when the reply is not a failure
     */
    void sendLocalReply(int status, String body, ResponseFlag flag);

    /**
     * Answers the request locally with a response the filter built (status, headers, body); ownership of the
     * response passes on. Ends the request like {@link #sendLocalReply}.
     */
    void sendLocalResponse(FullHttpResponse response, ResponseFlag flag);

    /** Runs the rest of the chain after the filter that stopped it, then forwards the request. */
    void resume();
}
