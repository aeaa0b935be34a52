package dev.skiff.proxy.telemetry.tracing;

import dev.skiff.proxy.filter.RequestContext;

import java.util.concurrent.TimeUnit;

/**
 * The span a sidecar makes for one request: {@link Kind#CLIENT} on the outbound side, {@link Kind#SERVER} on the
 * inbound side. Created when the request is forwarded, finished on the same event loop when it completes, then
 * handed to the exporter and not changed any more.
 */
public final class Span {

    /** Zipkin's span kinds the sidecar reports. */
    public enum Kind {
        CLIENT,
        SERVER
    }

    private final long traceIdHigh;
    private final long traceIdLow;
    private final long id;
    private final long parentId;
    private final Kind kind;
    private final boolean sampled;
    private final long startEpochMicros;
    private long durationMicros;
    private RequestContext request;
    private String[] customTags;

    /**
     * @param parentId         the caller's span, 0 for a root span
     * @param startEpochMicros when the request started, microseconds since the epoch
     */
    public Span(long traceIdHigh, long traceIdLow, long id, long parentId, Kind kind, boolean sampled,
                long startEpochMicros) {
        this.traceIdHigh = traceIdHigh;
        this.traceIdLow = traceIdLow;
        this.id = id;
        this.parentId = parentId;
        this.kind = kind;
        this.sampled = sampled;
        this.startEpochMicros = startEpochMicros;
    }

    public long traceIdHigh() {
        return traceIdHigh;
    }

    public long traceIdLow() {
        return traceIdLow;
    }

    public long id() {
        return id;
    }

    public long parentId() {
        return parentId;
    }

    public Kind kind() {
        return kind;
    }

    public boolean sampled() {
        return sampled;
    }

    public long startEpochMicros() {
        return startEpochMicros;
    }

    /** The span's duration in microseconds (at least 1, as Zipkin wants), 0 before it finished. */
    public long durationMicros() {
        return durationMicros;
    }

    /** The finished request the span reports, null before it finished. */
    public RequestContext request() {
        return request;
    }

    /** Ends the span with its request, which must have completed. */
    public void finish(RequestContext completed, long endNanos) {
        this.request = completed;
        this.durationMicros = Math.max(1, TimeUnit.NANOSECONDS.toMicros(endNanos - completed.startNanos()));
    }

    /** The values of the listener's custom tags, in its order (null: that tag is left out); null without tags. */
    public String[] customTags() {
        return customTags;
    }

    /** Sets the custom tag values, once, when the span is created. */
    void customTags(String[] values) {
        this.customTags = values;
    }

    public String traceIdHex() {
        return TraceHeaders.traceIdHex(traceIdHigh, traceIdLow);
    }
}
