package dev.skiff.proxy.policy;

import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.LastHttpContent;

import java.util.ArrayDeque;
import java.util.function.Consumer;

/**
 * The request body parts seen so far, kept (as retained duplicates) so that a retry can send them again, up to a
 * byte limit: once the body outgrows it the buffer lets go of everything and the request can no longer be
 * retried. Used on the request's event loop only; {@link #release()} must be called when the request ends.
 */
public final class ReplayBuffer {

    /** Envoy's buffer limit as Istio configures listeners (per_connection_buffer_limit_bytes). */
    public static final int DEFAULT_LIMIT_BYTES = 32 * 1024;

    private final int limitBytes;
    private ArrayDeque<HttpContent> parts;
    private long bytes;
    private boolean overflowed;
    private boolean hasLast;

    public ReplayBuffer(int limitBytes) {
        if (limitBytes < 0) {
            throw new IllegalArgumentException("replay buffer limit " + limitBytes + " (expected: >= 0)");
        }
        this.limitBytes = limitBytes;
    }

    /** Whether everything seen so far is still held, so that it can be sent again. */
    public boolean canReplay() {
        return !overflowed;
    }

    public long bytes() {
        return bytes;
    }

    /** Whether the request's last part is held (it ends the body a replay sends). */
    public boolean hasLast() {
        return hasLast;
    }

    /** Keeps a retained duplicate of {@code part} (the caller keeps its own reference), unless over the limit. */
    public void add(HttpContent part) {
        if (overflowed) {
            return;
        }
        int size = part.content().readableBytes();
        if (bytes + size > limitBytes) {
            overflowed = true;
            release();
            return;
        }
        bytes += size;
        hasLast |= part instanceof LastHttpContent;
        if (parts == null) {
            parts = new ArrayDeque<>(2);
        }
        parts.add(part.retainedDuplicate());
    }

    /** Hands a retained duplicate of every held part, in order, to {@code sink}, which takes ownership. */
    public void replay(Consumer<HttpContent> sink) {
        if (parts == null) {
            return;
        }
        for (HttpContent part : parts) {
            sink.accept(part.retainedDuplicate());
        }
    }

    /** Lets go of every held part. */
    public void release() {
        if (parts == null) {
            return;
        }
        HttpContent part;
        while ((part = parts.poll()) != null) {
            part.release();
        }
        bytes = 0;
        hasLast = false;
    }
}
