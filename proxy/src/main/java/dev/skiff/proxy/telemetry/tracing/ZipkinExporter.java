package dev.skiff.proxy.telemetry.tracing;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Reports finished spans to a Zipkin collector as Zipkin v2 JSON, posted to {@code http://HOST:PORT/api/v2/spans}
 * (the sidecar's {@code --zipkin-address}) or to the path of a Zipkin tracing provider on the endpoints of its
 * cluster, up to a batch of spans per request.
 */
public final class ZipkinExporter extends CollectorExporter {


    private final Supplier<InetSocketAddress> endpoints;
    private final String path;
    private final Duration timeout;
    private final String collector;
    private final LocalEndpoint local;
    private final HttpClient client;
    private final JsonFactory json = new JsonFactory();
    private final ByteArrayOutputStream body = new ByteArrayOutputStream(8192);

    /**
     * A fixed collector at {@code http://HOST:PORT/api/v2/spans}.
     *
     * @param host     the collector's host (a loopback or service address)
     * @param port     the collector's port (Zipkin's is 9411)
     * @param local    how this sidecar is named in its spans
     * @param capacity spans that may wait before new ones are dropped
     * @param maxBatch the most spans in one request
     * @param linger   how long a span may wait for its batch to fill
     */
    public ZipkinExporter(String host, int port, LocalEndpoint local, int capacity, int maxBatch, Duration linger) {
        this(fixed(host, port), "/api/v2/spans", Duration.ofSeconds(5),
                httpUrl(host, port, "/api/v2/spans"), local, capacity, maxBatch, linger);
    }

    /**
     * A collector whose address is looked up for every batch.
     *
     * @param endpoints the next collector endpoint, null when there is none
     * @param path      the request path, such as {@code /api/v2/spans}
     * @param timeout   how long one request may take
     * @param collector the collector as log lines name it
     */
    public ZipkinExporter(Supplier<InetSocketAddress> endpoints, String path, Duration timeout, String collector,
                          LocalEndpoint local, int capacity, int maxBatch, Duration linger) {
        super("skiff-zipkin-exporter", capacity, maxBatch, linger);
        this.endpoints = Objects.requireNonNull(endpoints, "endpoints");
        this.path = Objects.requireNonNull(path, "path");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        this.collector = Objects.requireNonNull(collector, "collector");
        this.local = Objects.requireNonNull(local, "local");
        this.client = httpClient();
    }

    private static Supplier<InetSocketAddress> fixed(String host, int port) {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("Zipkin port " + port + " (expected: 1..65535)");
        }
        InetSocketAddress address = InetSocketAddress.createUnresolved(host, port);
        return () -> address;
    }

    /** Where spans go, as log lines name it. */
    public String endpoint() {
        return collector;
    }

    @Override
    protected String collector() {
        return collector;
    }

    @Override
    protected String export(List<Span> spans) throws IOException, InterruptedException {
        InetSocketAddress target = endpoints.get();
        if (target == null) {
            return "no endpoint";
        }
        body.reset();
        try (JsonGenerator generator = json.createGenerator(body, JsonEncoding.UTF8)) {
            ZipkinJson.write(generator, spans, local);
        }
        URI uri = URI.create(httpUrl(target.getHostString(), target.getPort(), path));
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(timeout)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build();
        HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() / 100 == 2) {
            return null;
        }
        String text = response.body();
        return "status " + response.statusCode() + " " + (text.length() <= 200 ? text : text.substring(0, 200)
                + "...");
    }
}
