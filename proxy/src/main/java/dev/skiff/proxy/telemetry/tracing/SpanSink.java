package dev.skiff.proxy.telemetry.tracing;

import dev.skiff.proxy.telemetry.TracingPolicy;

/** Takes finished spans from the event loops; must not block. */
@FunctionalInterface
public interface SpanSink {

    /** Queues a finished span for reporting; false when it was dropped. */
    boolean offer(Span span);

    /**
     * Whether spans of a listener with this policy have somewhere to go; when not, the sidecar makes no span and
     * leaves the propagation headers alone.
     */
    default boolean accepts(TracingPolicy policy) {
        return true;
    }
}
