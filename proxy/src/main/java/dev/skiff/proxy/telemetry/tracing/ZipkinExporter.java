package dev.skiff.proxy.telemetry.tracing;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.skiff.proxy.telemetry.accesslog.BoundedHandoff;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;

/**
 * Reports finished spans to a Zipkin collector: a bounded queue (full means dropped and counted, the event loop
 * never waits) drained by one background thread, which posts batches of spans as Zipkin v2 JSON to
 * {@code http://HOST:PORT/api/v2/spans}. A batch goes when it is full or when its first span has waited
 * {@code linger}.
 */
public final class ZipkinExporter implements SpanSink, AutoCloseable {

    public static final int DEFAULT_CAPACITY = 8192;
    public static final int DEFAULT_MAX_BATCH = 100;
    public static final Duration DEFAULT_LINGER = Duration.ofSeconds(1);

    private static final Logger log = LoggerFactory.getLogger(ZipkinExporter.class);
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(5);

    private final URI endpoint;
    private final LocalEndpoint local;
    private final HttpClient client;
    private final JsonFactory json = new JsonFactory();
    private final ByteArrayOutputStream body = new ByteArrayOutputStream(8192);
    private final LongAdder exported = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private final LongAdder batches = new LongAdder();
    private final BoundedHandoff<Span> handoff;
    private boolean failing;

    /**
     * @param host     the collector's host (a loopback or service address)
     * @param port     the collector's port (Zipkin's is 9411)
     * @param local    how this sidecar is named in its spans
     * @param capacity spans that may wait before new ones are dropped
     * @param maxBatch the most spans in one request
     * @param linger   how long a span may wait for its batch to fill
     */
    public ZipkinExporter(String host, int port, LocalEndpoint local, int capacity, int maxBatch, Duration linger) {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("Zipkin port " + port + " (expected: 1..65535)");
        }
        String literal = host.indexOf(':') >= 0 ? "[" + host + "]" : host;
        this.endpoint = URI.create("http://" + literal + ":" + port + "/api/v2/spans");
        this.local = Objects.requireNonNull(local, "local");
        this.client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(CONNECT_TIMEOUT)
                .build();
        this.handoff = new BoundedHandoff<>("skiff-zipkin-exporter", capacity, maxBatch, linger, this::send);
    }

    public URI endpoint() {
        return endpoint;
    }

    @Override
    public boolean offer(Span span) {
        return handoff.offer(span);
    }

    /** Spans the collector accepted. */
    public long exported() {
        return exported.sum();
    }

    /** Spans in batches the collector refused or could not be reached for. */
    public long failed() {
        return failed.sum();
    }

    /** Requests made to the collector. */
    public long batches() {
        return batches.sum();
    }

    /** Spans dropped because the queue was full. */
    public long dropped() {
        return handoff.dropped();
    }

    private void send(List<Span> spans) {
        body.reset();
        try (JsonGenerator generator = json.createGenerator(body, JsonEncoding.UTF8)) {
            ZipkinJson.write(generator, spans, local);
        } catch (IOException e) {
            throw new UncheckedIOException("Zipkin: cannot encode " + spans.size() + " spans", e);
        }
        HttpRequest request = HttpRequest.newBuilder(endpoint).timeout(REQUEST_TIMEOUT)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build();
        batches.increment();
        String problem;
        try {
            HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() / 100 == 2) {
                exported.add(spans.size());
                if (failing) {
                    failing = false;
                    log.info("Zipkin collector {} accepts spans again", endpoint);
                }
                return;
            }
            problem = "status " + response.statusCode() + " " + abbreviate(response.body());
        } catch (IOException e) {
            problem = e.toString();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            problem = "interrupted";
        }
        failed.add(spans.size());
        if (!failing) {
            failing = true;
            log.warn("Zipkin collector {} did not take {} spans: {} (further failures are counted, not logged)",
                    endpoint, spans.size(), problem);
        }
    }

    private static String abbreviate(String text) {
        return text.length() <= 200 ? text : text.substring(0, 200) + "...";
    }

    /** Sends the spans still queued, then stops. */
    @Override
    public void close() {
        handoff.close();
    }
}
