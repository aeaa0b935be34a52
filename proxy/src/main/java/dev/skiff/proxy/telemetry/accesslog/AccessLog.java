package dev.skiff.proxy.telemetry.accesslog;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.skiff.proxy.filter.RequestContext;
import dev.skiff.proxy.filter.RequestListener;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The sidecar's access log: one JSON line per finished request or TCP connection ({@link AccessLogFormat}), written
 * by a background thread. The event loop only records two request headers and queues the finished request; when
 * the queue is full the line is dropped and counted, the event loop never waits for the output.
 *
 * <p>It wraps the listener it is given: every event goes to that listener first.
 */
public final class AccessLog implements RequestListener, AutoCloseable {

    /** Lines that may wait for the writer before new ones are dropped. */
    public static final int DEFAULT_CAPACITY = 16384;

    private static final Logger log = LoggerFactory.getLogger(AccessLog.class);
    private static final AsciiString X_FORWARDED_FOR = AsciiString.cached("x-forwarded-for");
    private static final int MAX_BATCH = 256;

    private final RequestListener next;
    private final OutputStream out;
    private final JsonFactory json = new JsonFactory();
    private final ByteArrayOutputStream line = new ByteArrayOutputStream(512);
    /** The writer, started with the first line to write (a sidecar that never logs has no writer thread). */
    private final AtomicReference<BoundedHandoff<Finished>> handoff = new AtomicReference<>();
    private final int capacity;
    private volatile boolean closed;
    private final boolean enabledByDefault;

    private record Finished(RequestContext context, long endNanos) {
    }

    /**
     * @param next     the listener every event goes to first
     * @param out      where lines go (standard output in the sidecar); written and flushed by the writer thread
     * @param capacity lines that may wait before new ones are dropped
     */
    public AccessLog(RequestListener next, OutputStream out, int capacity) {
        this(next, out, capacity, true);
    }

    /**
     * @param enabledByDefault whether requests of listeners without an access log setting of their own (from a
     *                         Telemetry resource) are logged: the sidecar's {@code --access-log}
     */
    public AccessLog(RequestListener next, OutputStream out, int capacity, boolean enabledByDefault) {
        this.enabledByDefault = enabledByDefault;
        this.next = Objects.requireNonNull(next, "next");
        this.out = Objects.requireNonNull(out, "out");
        if (capacity < 1) {
            throw new IllegalArgumentException("access log capacity " + capacity + " (expected: at least 1)");
        }
        this.capacity = capacity;
        if (enabledByDefault) {
            handoff();
        }
    }

    @Override
    public void onRequestHeaders(RequestContext context, HttpHeaders headers) {
        next.onRequestHeaders(context, headers);
        context.requestDetails(headers.get(HttpHeaderNames.USER_AGENT), headers.get(X_FORWARDED_FOR));
        context.upstreamRequestNanos(System.nanoTime());
    }

    @Override
    public void onResponseHeaders(RequestContext context, HttpHeaders headers) {
        next.onResponseHeaders(context, headers);
        context.upstreamResponseNanos(System.nanoTime());
    }

    @Override
    public void onConnectionOpened(RequestContext context) {
        next.onConnectionOpened(context);
    }

    @Override
    public void onComplete(RequestContext context) {
        next.onComplete(context);
        boolean enabled = switch (context.telemetry().accessLog()) {
            case DEFAULT -> enabledByDefault;
            case STDOUT -> true;
            case OFF -> false;
        };
        if (enabled && !closed) {
            handoff().offer(new Finished(context, System.nanoTime()));
        }
    }

    private BoundedHandoff<Finished> handoff() {
        BoundedHandoff<Finished> writer = handoff.get();
        if (writer != null) {
            return writer;
        }
        BoundedHandoff<Finished> started = new BoundedHandoff<>("skiff-access-log", capacity, MAX_BATCH,
                Duration.ZERO, this::write);
        if (handoff.compareAndSet(null, started)) {
            return started;
        }
        started.close();
        return handoff.get();
    }

    /** Lines dropped because the writer fell behind. */
    public long dropped() {
        BoundedHandoff<Finished> writer = handoff.get();
        return writer == null ? 0 : writer.dropped();
    }

    private void write(List<Finished> batch) {
        long nowNanos = System.nanoTime();
        long nowEpochMs = System.currentTimeMillis();
        for (Finished finished : batch) {
            line.reset();
            try (JsonGenerator generator = json.createGenerator(line, JsonEncoding.UTF8)) {
                AccessLogFormat.write(generator, finished.context(), finished.endNanos(), nowNanos, nowEpochMs);
            } catch (IOException | RuntimeException e) {
                log.warn("access log: cannot format {}: {}", finished.context(), e.toString());
                continue;
            }
            line.write('\n');
            try {
                line.writeTo(out);
            } catch (IOException e) {
                throw new UncheckedIOException("access log: cannot write a line", e);
            }
        }
        try {
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("access log: cannot flush", e);
        }
    }

    /** Writes the lines still queued, then stops the writer thread. */
    @Override
    public void close() {
        closed = true;
        BoundedHandoff<Finished> writer = handoff.get();
        if (writer != null) {
            writer.close();
        }
    }
}
