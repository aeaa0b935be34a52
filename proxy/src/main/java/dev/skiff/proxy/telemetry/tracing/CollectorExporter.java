package dev.skiff.proxy.telemetry.tracing;

import dev.skiff.proxy.telemetry.accesslog.BoundedHandoff;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.http.HttpClient;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/**
 * Reports finished spans to a collector from a bounded queue (full means dropped and counted, the event loop never
 * waits) drained by one background thread, which sends batches of spans: a batch goes when it is full or when its
 * first span has waited {@code linger}. A collector that refuses a batch or cannot be reached costs that batch
 * (counted as failed, logged once until it accepts again).
 */
public abstract class CollectorExporter implements SpanSink, AutoCloseable {

    public static final int DEFAULT_CAPACITY = 8192;
    public static final int DEFAULT_MAX_BATCH = 100;
    public static final Duration DEFAULT_LINGER = Duration.ofSeconds(1);

    private static final Logger log = LoggerFactory.getLogger(CollectorExporter.class);
    private static final Duration HTTP_CONNECT_TIMEOUT = Duration.ofSeconds(2);

    private final LongAdder exported = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private final LongAdder batches = new LongAdder();
    private final BoundedHandoff<Span> handoff;
    private boolean failing;

    /**
     * @param threadName the background thread's name
     * @param capacity   spans that may wait before new ones are dropped
     * @param maxBatch   the most spans in one request
     * @param linger     how long a span may wait for its batch to fill
     */
    protected CollectorExporter(String threadName, int capacity, int maxBatch, Duration linger) {
        this.handoff = new BoundedHandoff<>(threadName, capacity, maxBatch, linger, this::send);
    }

    /** An HTTP/1.1 client for a collector posted to over HTTP, connecting within 2 s. */
    protected static HttpClient httpClient() {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(HTTP_CONNECT_TIMEOUT)
                .build();
    }

    /** {@code http://host:port/path}, with an IPv6 host in brackets. */
    protected static String httpUrl(String host, int port, String path) {
        return "http://" + (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port + path;
    }

    @Override
    public final boolean offer(Span span) {
        return handoff.offer(span);
    }

    /** Spans the collector accepted. */
    public final long exported() {
        return exported.sum();
    }

    /** Spans in batches the collector refused or could not be reached for. */
    public final long failed() {
        return failed.sum();
    }

    /** Requests made to the collector. */
    public final long batches() {
        return batches.sum();
    }

    /** Spans dropped because the queue was full. */
    public final long dropped() {
        return handoff.dropped();
    }

    /**
     * Sends one batch, on the exporter's thread.
     *
     * @return null when the collector took the spans, otherwise what went wrong
     */
    protected abstract String export(List<Span> spans) throws Exception;

    /** The collector, as log lines name it. */
    protected abstract String collector();

    private void send(List<Span> spans) {
        batches.increment();
        String problem;
        try {
            problem = export(spans);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            problem = "interrupted";
        } catch (Exception e) {
            problem = e.toString();
        }
        if (problem == null) {
            exported.add(spans.size());
            if (failing) {
                failing = false;
                log.info("trace collector {} accepts spans again", collector());
            }
            return;
        }
        failed.add(spans.size());
        if (!failing) {
            failing = true;
            log.warn("trace collector {} did not take {} spans: {} (further failures are counted, not logged)",
                    collector(), spans.size(), problem);
        }
    }

    /** Sends the spans still queued, then stops. */
    @Override
    public void close() {
        handoff.close();
    }
}
