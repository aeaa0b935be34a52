package dev.skiff.proxy.upstream;

import io.netty.channel.Channel;

/**
 * One request's way to an upstream host, whatever the protocol: a pooled HTTP/1.1 connection or one HTTP/2 stream
 * of a shared connection. Request parts go in as HTTP objects ({@code HttpRequest}, {@code HttpContent}, a final
 * {@code LastHttpContent} with optional trailers); response parts come back the same way to the bound
 * {@link UpstreamListener}. Used on its event loop only.
 */
public interface UpstreamStream {

    /** The channel the request parts are written to. */
    Channel channel();

    UpstreamHost host();

    /** Binds the stream to one request; parts of its response go to {@code listener}. */
    void bind(UpstreamListener listener);

    /** Writes a request part without flushing it; ownership passes to the stream. */
    void write(Object message);

    /** Flushes what was written. */
    void flush();

    boolean isWritable();

    /** Stops or resumes reading the response (backpressure). */
    void setAutoRead(boolean autoRead);

    /**
     * Ends the binding. A reusable HTTP/1.1 connection goes back to its pool; anything else is closed (an
     * unfinished HTTP/2 stream is reset).
     *
     * @param reusable whether the request and response completed and both sides allow reuse
     */
    void release(boolean reusable);

    /**
     * Takes the stream's channel out of HTTP for a protocol switch (101): the stream forgets its pool and removes
     * its HTTP handlers, leaving a raw byte channel to the caller.
     *
     * @throws UnsupportedOperationException for protocols that cannot switch (HTTP/2 streams)
     */
    void detachForTunnel();
}
