package dev.skiff.proxy.transport;

import dev.skiff.proxy.upstream.UpstreamStream;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.util.concurrent.EventExecutor;

/**
 * The downstream side of one request as the exchange sees it, whatever the downstream protocol: response parts go
 * in as protocol-neutral HTTP objects ({@link HttpResponse} head, {@link HttpContent} parts, a final
 * {@link io.netty.handler.codec.http.LastHttpContent} with optional trailers), request body flow can be paused.
 */
interface DownstreamStream {

    /** Sends the response head (hop-by-hop headers already removed); framing is the stream's business. */
    void sendResponseHead(HttpResponse head, boolean bodiless);

    /** Sends a whole response at once; ownership passes to the stream. Ends the response. */
    void sendFullResponse(FullHttpResponse response, boolean bodiless);

    /**
     * Sends a response part; ownership passes to the stream. Parts are flushed by {@link #flush()}, except a
     * LastHttpContent, which ends the response and is flushed at once.
     */
    void sendResponseContent(HttpContent content);

    /** Answers the request locally; ends the response. */
    void sendLocalReply(int status, String body);

    /** Ends the response abruptly: the downstream connection (or stream) is reset. */
    void abort();

    boolean isWritable();

    /** The event loop the stream (and so the exchange) lives on. */
    EventExecutor executor();

    /** Flushes the response parts sent so far. */
    void flush();

    /** Stops reading the request body (upstream congested or not yet connected). */
    void pauseRequestBody();

    void resumeRequestBody();

    /**
     * Called once when the exchange is over.
     *
     * @param requestComplete whether the whole request body was read
     */
    void exchangeFinished(boolean requestComplete);

    /** Turns the downstream into a byte tunnel to the (upgraded) upstream connection. */
    void switchToTunnel(UpstreamStream upstream, TunnelCompletion completion);
}
