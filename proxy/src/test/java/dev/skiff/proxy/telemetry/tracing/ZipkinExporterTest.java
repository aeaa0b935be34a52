package dev.skiff.proxy.telemetry.tracing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.skiff.proxy.filter.RequestContext;
import dev.skiff.proxy.model.Direction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class ZipkinExporterTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final LocalEndpoint LOCAL = new LocalEndpoint("productpage.default", "127.0.46.1",
            "sidecar~127.0.46.1~productpage.default~default.svc.cluster.local", "default");

    private final List<JsonNode> posts = new CopyOnWriteArrayList<>();
    private final List<String> contentTypes = new CopyOnWriteArrayList<>();
    private final AtomicInteger status = new AtomicInteger(202);
    private HttpServer collector;

    @BeforeEach
    void startCollector() throws IOException {
        collector = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        collector.createContext("/api/v2/spans", exchange -> {
            try (exchange) {
                contentTypes.add(exchange.getRequestHeaders().getFirst("Content-Type")
                        + " " + exchange.getRequestMethod());
                posts.add(MAPPER.readTree(exchange.getRequestBody()));
                exchange.sendResponseHeaders(status.get(), -1);
            }
        });
        collector.start();
    }

    @AfterEach
    void stopCollector() {
        collector.stop(0);
    }

    private ZipkinExporter exporter(int maxBatch, Duration linger) {
        return new ZipkinExporter("127.0.0.1", collector.getAddress().getPort(), LOCAL, 1000, maxBatch, linger);
    }

    static Span finished(int n, Span.Kind kind) {
        RequestContext context = new RequestContext("virtualOutbound",
                kind == Span.Kind.CLIENT ? Direction.OUTBOUND : Direction.INBOUND, System.nanoTime());
        context.request("GET", "reviews:9080", "/r/" + n, "HTTP/1.1");
        context.requestId("req-" + n);
        context.cluster("outbound|9080||reviews.default.svc.cluster.local");
        context.upstreamHost(new InetSocketAddress("127.0.46.9", 9080));
        context.downstreamRemoteAddress(new InetSocketAddress("127.0.46.2", 40000));
        context.responseCode(n == 0 ? 503 : 200);
        Span span = new Span(0x463ac35c9f6413adL, 0x48485a3953bb6124L, n + 1, n == 0 ? 0 : 77, kind, true,
                1_700_000_000_000_000L);
        span.finish(context, context.startNanos() + 1_500_000);
        return span;
    }

    @Test
    void postsBatchesOfZipkinV2Json() {
        try (ZipkinExporter exporter = exporter(3, Duration.ofSeconds(30))) {
            for (int i = 0; i < 6; i++) {
                assertThat(exporter.offer(finished(i, Span.Kind.CLIENT))).isTrue();
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> exporter.exported() == 6);
            assertThat(exporter.batches()).isEqualTo(2);
        }
        assertThat(posts).hasSize(2).allSatisfy(batch -> assertThat(batch.size()).isEqualTo(3));
        assertThat(contentTypes).containsOnly("application/json POST");
        JsonNode root = posts.getFirst().get(0);
        assertThat(root.get("traceId").asText()).isEqualTo("463ac35c9f6413ad48485a3953bb6124");
        assertThat(root.get("id").asText()).isEqualTo("0000000000000001");
        assertThat(root.has("parentId")).isFalse();
        assertThat(root.get("kind").asText()).isEqualTo("CLIENT");
        assertThat(root.get("name").asText()).isEqualTo("reviews:9080/*");
        assertThat(root.get("timestamp").asLong()).isEqualTo(1_700_000_000_000_000L);
        assertThat(root.get("duration").asLong()).isEqualTo(1500);
        assertThat(root.get("localEndpoint").get("serviceName").asText()).isEqualTo("productpage.default");
        assertThat(root.get("localEndpoint").get("ipv4").asText()).isEqualTo("127.0.46.1");
        assertThat(root.get("remoteEndpoint").get("ipv4").asText()).isEqualTo("127.0.46.9");
        assertThat(root.get("remoteEndpoint").get("port").asInt()).isEqualTo(9080);
        JsonNode tags = root.get("tags");
        assertThat(tags.get("http.status_code").asText()).isEqualTo("503");
        assertThat(tags.get("error").asText()).isEqualTo("true");
        assertThat(tags.get("guid:x-request-id").asText()).isEqualTo("req-0");
        assertThat(tags.get("http.url").asText()).isEqualTo("http://reviews:9080/r/0");
        assertThat(tags.get("upstream_cluster").asText()).isEqualTo("outbound|9080||reviews.default.svc.cluster.local");
        JsonNode child = posts.getFirst().get(1);
        assertThat(child.get("parentId").asText()).isEqualTo("000000000000004d");
        assertThat(child.get("tags").has("error")).isFalse();
    }

    @Test
    void aPartialBatchGoesAfterTheLinger() {
        try (ZipkinExporter exporter = exporter(100, Duration.ofMillis(50))) {
            exporter.offer(finished(1, Span.Kind.SERVER));
            await().atMost(Duration.ofSeconds(10)).until(() -> exporter.exported() == 1);
        }
        JsonNode span = posts.getFirst().get(0);
        assertThat(span.get("kind").asText()).isEqualTo("SERVER");
        assertThat(span.get("remoteEndpoint").get("ipv4").asText()).isEqualTo("127.0.46.2");
    }

    @Test
    void closingSendsWhatIsQueued() {
        try (ZipkinExporter exporter = exporter(100, Duration.ofSeconds(30))) {
            exporter.offer(finished(1, Span.Kind.CLIENT));
            exporter.offer(finished(2, Span.Kind.CLIENT));
        }
        assertThat(posts).hasSize(1);
        assertThat(posts.getFirst().size()).isEqualTo(2);
    }

    @Test
    void refusedBatchesAreCountedAsFailed() {
        status.set(500);
        try (ZipkinExporter exporter = exporter(2, Duration.ofSeconds(30))) {
            exporter.offer(finished(1, Span.Kind.CLIENT));
            exporter.offer(finished(2, Span.Kind.CLIENT));
            await().atMost(Duration.ofSeconds(10)).until(() -> exporter.failed() == 2);
            status.set(202);
            exporter.offer(finished(3, Span.Kind.CLIENT));
            exporter.offer(finished(4, Span.Kind.CLIENT));
            await().atMost(Duration.ofSeconds(10)).until(() -> exporter.exported() == 2);
        }
    }
}
