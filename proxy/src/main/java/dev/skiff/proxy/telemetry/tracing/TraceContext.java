package dev.skiff.proxy.telemetry.tracing;

/**
 * A trace context read from a request's headers: the trace and the caller's span, and the caller's sampling
 * decision. A context carrying only a sampling decision has no trace id ({@link #hasTrace()} is false).
 *
 * @param traceIdHigh the upper 64 bits of a 128-bit trace id, 0 for a 64-bit one
 * @param traceIdLow  the lower 64 bits of the trace id (0 together with {@code traceIdHigh} when there is none)
 * @param spanId      the caller's span, the parent of the span made for this request
 * @param sampling    {@link #SAMPLED}, {@link #NOT_SAMPLED} or {@link #UNDECIDED}
 */
public record TraceContext(long traceIdHigh, long traceIdLow, long spanId, int sampling) {

    public static final int UNDECIDED = -1;
    public static final int NOT_SAMPLED = 0;
    public static final int SAMPLED = 1;

    /** No context at all: a new trace starts and the sampler decides. */
    public static final TraceContext NONE = new TraceContext(0, 0, 0, UNDECIDED);

    public boolean hasTrace() {
        return traceIdHigh != 0 || traceIdLow != 0;
    }
}
