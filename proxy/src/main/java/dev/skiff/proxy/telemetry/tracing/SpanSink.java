package dev.skiff.proxy.telemetry.tracing;

/** Takes finished spans from the event loops; must not block. */
@FunctionalInterface
public interface SpanSink {

    /** Queues a finished span for reporting; false when it was dropped. */
    boolean offer(Span span);
}
