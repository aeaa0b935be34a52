package dev.skiff.proxy.telemetry.tracing;

import dev.skiff.proxy.filter.RequestContext;
import dev.skiff.proxy.filter.RequestListener;
import dev.skiff.proxy.model.Direction;
import dev.skiff.proxy.telemetry.TracingPolicy;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;

import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * Distributed tracing as Envoy's Zipkin tracer does it in Istio (128-bit trace ids, spans not shared between
 * client and server): each forwarded request gets a span, {@code CLIENT} on the outbound side and {@code SERVER}
 * on the inbound side, whose parent is the span named by the request's propagation headers (B3 or W3C trace
 * context), and the request goes on with this span's context. The caller's sampling decision is kept; without one
 * the {@link Sampler} decides. Sampled spans are handed to the {@link SpanSink} when their request completes; a
 * listener whose spans the sink does not take ({@link SpanSink#accepts}) is not traced at all.
 *
 * <p>It wraps the listener it is given: every event goes to that listener first.
 */
public final class Tracing implements RequestListener {

    private final RequestListener next;
    private final Sampler sampler;
    private final Supplier<? extends RandomGenerator> random;
    private final SpanSink sink;

    /**
     * @param next    the listener every event goes to first
     * @param sampler decides for requests that come without a sampling decision
     * @param random  the random source for ids and sampling on the calling thread
     * @param sink    takes the finished sampled spans
     */
    public Tracing(RequestListener next, Sampler sampler, Supplier<? extends RandomGenerator> random, SpanSink sink) {
        this.next = Objects.requireNonNull(next, "next");
        this.sampler = Objects.requireNonNull(sampler, "sampler");
        this.random = Objects.requireNonNull(random, "random");
        this.sink = Objects.requireNonNull(sink, "sink");
    }

    @Override
    public void onRequestHeaders(RequestContext context, HttpHeaders headers) {
        next.onRequestHeaders(context, headers);
        TracingPolicy policy = context.telemetry().tracing();
        if (!sink.accepts(policy)) {
            return;
        }
        if (context.userAgent() == null) {
            context.requestDetails(headers.get(HttpHeaderNames.USER_AGENT), context.forwardedFor());
        }
        TraceContext incoming = TraceHeaders.extract(headers);
        RandomGenerator generator = random.get();
        boolean sampled = policy.reportSpans()
                && sampler.sample(incoming.sampling(), generator, policy.samplingPercent());
        long high;
        long low;
        long parent;
        if (incoming.hasTrace()) {
            high = incoming.traceIdHigh();
            low = incoming.traceIdLow();
            parent = incoming.spanId();
        } else {
            high = nonZero(generator);
            low = nonZero(generator);
            parent = 0;
        }
        long startEpochMicros = TimeUnit.MILLISECONDS.toMicros(System.currentTimeMillis())
                - TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - context.startNanos());
        Span span = new Span(high, low, nonZero(generator), parent,
                context.direction() == Direction.OUTBOUND ? Span.Kind.CLIENT : Span.Kind.SERVER, sampled,
                startEpochMicros);
        if (sampled && !policy.customTags().isEmpty()) {
            span.customTags(customTagValues(policy, headers));
        }
        context.traceSpan(span);
        TraceHeaders.inject(headers, span);
    }

    @Override
    public void onResponseHeaders(RequestContext context, HttpHeaders headers) {
        next.onResponseHeaders(context, headers);
    }

    @Override
    public void onConnectionOpened(RequestContext context) {
        next.onConnectionOpened(context);
    }

    @Override
    public void onComplete(RequestContext context) {
        next.onComplete(context);
        if (context.traceSpan() instanceof Span span && span.sampled()) {
            span.finish(context, System.nanoTime());
            sink.offer(span);
        }
    }

    /** The values of the listener's custom tags for this request, null for a header tag without value. */
    private static String[] customTagValues(TracingPolicy policy, HttpHeaders headers) {
        String[] values = new String[policy.customTags().size()];
        for (int i = 0; i < values.length; i++) {
            TracingPolicy.CustomTag tag = policy.customTags().get(i);
            String value = tag.header() == null ? tag.value() : headers.get(tag.header());
            values[i] = value != null ? value : tag.value().isEmpty() ? null : tag.value();
        }
        return values;
    }

    private static long nonZero(RandomGenerator generator) {
        long value;
        do {
            value = generator.nextLong();
        } while (value == 0);
        return value;
    }
}
