package dev.skiff.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.skiff.e2e.backend.TestBackend;
import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tracing providers from the mesh config: the control plane reads Istio's MeshConfig (an {@code opentelemetry}
 * provider over gRPC as the default, a second one over OTLP/HTTP that a Telemetry picks for ratings) and the
 * sidecars export OTLP to the collectors' clusters. The collectors are the test's own: a grpc-java server serving
 * OTLP's TraceService and an HTTP server decoding OTLP/HTTP protobuf posts, both on loopback. One request through
 * two hops (productpage → reviews → ratings) is one trace of four spans with the right parents and service names;
 * the sidecars sample nothing on their own ({@code --trace-sampling 0}), so the trace is there because the
 * Telemetry's 100% sampling applies. Last, a Telemetry pushed to the running mesh sends productpage's spans to a
 * {@code zipkin} extension provider, whose collector (the HTTP server again) receives them as Zipkin v2 JSON.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OpenTelemetryTracingEndToEndTest {
    private static final String CLIENT = "127.0.58.1";
    private static final String SERVER = "127.0.58.2";
    private static final String RATINGS_ADDRESS = "127.0.58.3";
    private static final String GRPC_COLLECTOR = "127.0.58.10";
    private static final String HTTP_COLLECTOR = "127.0.58.11";
    private static final String REVIEWS = "reviews.default.svc.cluster.local";
    private static final String RATINGS = "ratings.default.svc.cluster.local";
    private static final String OTEL = "otel-collector.observability.svc.cluster.local";
    private static final String OTEL_HTTP = "otel-http.observability.svc.cluster.local";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path work;
    static LocalMesh mesh;
    static TestBackend reviews;
    static TestBackend ratings;
    static Server grpcCollector;
    static HttpServer httpCollector;
    static HttpClient client;
    static final Queue<ResourceSpans> grpcReceived = new ConcurrentLinkedQueue<>();
    static final Queue<ResourceSpans> httpReceived = new ConcurrentLinkedQueue<>();
    static final Queue<String> httpContentTypes = new ConcurrentLinkedQueue<>();
    static final Queue<JsonNode> zipkinReceived = new ConcurrentLinkedQueue<>();

    @BeforeAll
    static void start() throws IOException {
        grpcCollector = NettyServerBuilder.forAddress(new InetSocketAddress(GRPC_COLLECTOR, 0))
                .addService(new TraceServiceGrpc.TraceServiceImplBase() {
                    @Override
                    public void export(ExportTraceServiceRequest request,
                                       StreamObserver<ExportTraceServiceResponse> response) {
                        grpcReceived.addAll(request.getResourceSpansList());
                        response.onNext(ExportTraceServiceResponse.getDefaultInstance());
                        response.onCompleted();
                    }
                }).build().start();
        httpCollector = HttpServer.create(new InetSocketAddress(HTTP_COLLECTOR, 0), 0);
        httpCollector.createContext("/v1/traces", exchange -> {
            try (InputStream body = exchange.getRequestBody()) {
                httpContentTypes.add(exchange.getRequestHeaders().getFirst("Content-Type") + " "
                        + exchange.getRequestHeaders().getFirst("x-tenant"));
                httpReceived.addAll(ExportTraceServiceRequest.parseFrom(body).getResourceSpansList());
                exchange.sendResponseHeaders(200, -1);
            } finally {
                exchange.close();
            }
        });
        httpCollector.createContext("/api/v2/spans", exchange -> {
            try (InputStream body = exchange.getRequestBody()) {
                JSON.readTree(body).forEach(zipkinReceived::add);
                exchange.sendResponseHeaders(202, -1);
            } finally {
                exchange.close();
            }
        });
        httpCollector.start();

        mesh = new LocalMesh(work);
        reviews = TestBackend.start("reviews-v1", new InetSocketAddress("127.0.0.1", 0))
                .callThrough(new InetSocketAddress(SERVER, 15001));
        ratings = TestBackend.start("ratings-v1", new InetSocketAddress("127.0.0.1", 0));
        mesh.writeConfig("mesh.yaml", MeshYaml.productpageReviewsRatings(CLIENT, SERVER, reviews.port(),
                RATINGS_ADDRESS, ratings.port()));
        mesh.writeConfig("collectors.yaml", MeshYaml.documents(
                MeshYaml.httpService("otel-collector", OTEL, 4317,
                        new InetSocketAddress(GRPC_COLLECTOR, grpcCollector.getPort())),
                MeshYaml.httpService("otel-http", OTEL_HTTP, 4318,
                        new InetSocketAddress(HTTP_COLLECTOR, httpCollector.getAddress().getPort()))));
        mesh.writeConfig("telemetry.yaml", """
                apiVersion: telemetry.istio.io/v1
                kind: Telemetry
                metadata: {name: mesh-default, namespace: istio-system}
                spec:
                  tracing:
                  - randomSamplingPercentage: 100
                    customTags:
                      env: {literal: {value: e2e}}
                ---
                apiVersion: telemetry.istio.io/v1
                kind: Telemetry
                metadata: {name: ratings, namespace: default}
                spec:
                  selector:
                    matchLabels: {app: ratings}
                  tracing:
                  - providers: [{name: otel-http}]
                """);
        Path meshConfig = work.resolve("mesh-config.yaml");
        Files.writeString(meshConfig, """
                defaultProviders:
                  tracing: [otel]
                extensionProviders:
                - name: otel
                  opentelemetry:
                    service: %s
                    port: 4317
                - name: otel-http
                  opentelemetry:
                    service: %s
                    port: 4318
                    http:
                      path: /v1/traces
                      timeout: 5s
                      headers:
                      - {name: x-tenant, value: acme}
                - name: zipkin-ext
                  zipkin:
                    service: %s
                    port: 4318
                    path: /api/v2/spans
                """.formatted(OTEL, OTEL_HTTP, OTEL_HTTP));
        mesh.startControlPlane(List.of("--mesh-config", meshConfig.toString()));
        List<String> options = List.of("--trace-sampling", "0");
        mesh.startProxy("productpage-v1.default", CLIENT, Map.of("app", "productpage", "version", "v1"), options);
        mesh.startProxy("reviews-v1.default", SERVER, Map.of("app", "reviews", "version", "v1"), options);
        mesh.startProxy("ratings-v1.default", RATINGS_ADDRESS, Map.of("app", "ratings", "version", "v1"), options);
        client = HttpClient.newBuilder().proxy(ProxySelector.of(new InetSocketAddress(CLIENT, 15001)))
                .connectTimeout(Duration.ofSeconds(2)).build();
    }

    @AfterAll
    static void stop() {
        if (client != null) {
            client.close();
        }
        if (mesh != null) {
            mesh.close();
        }
        for (TestBackend backend : new TestBackend[] {reviews, ratings}) {
            if (backend != null) {
                backend.close();
            }
        }
        if (grpcCollector != null) {
            grpcCollector.shutdownNow();
        }
        if (httpCollector != null) {
            httpCollector.stop(0);
        }
    }

    /** One received span with the service name of its resource. */
    record Received(String service, Span span) {
        String attribute(String key) {
            for (KeyValue attribute : span.getAttributesList()) {
                if (attribute.getKey().equals(key)) {
                    return attribute.getValue().getStringValue();
                }
            }
            return null;
        }
    }

    private static List<Received> spans(Queue<ResourceSpans> received, String requestId) {
        List<Received> found = new ArrayList<>();
        for (ResourceSpans resource : received) {
            String service = resource.getResource().getAttributesList().stream()
                    .filter(attribute -> attribute.getKey().equals("service.name"))
                    .map(attribute -> attribute.getValue().getStringValue()).findFirst().orElse(null);
            for (ScopeSpans scope : resource.getScopeSpansList()) {
                for (Span span : scope.getSpansList()) {
                    Received candidate = new Received(service, span);
                    if (requestId.equals(candidate.attribute("guid:x-request-id"))) {
                        found.add(candidate);
                    }
                }
            }
        }
        return found;
    }

    private static void get(String path, String requestId) throws IOException, InterruptedException {
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(
                        URI.create("http://" + REVIEWS + ":9080" + path))
                .timeout(Duration.ofSeconds(5)).header("x-request-id", requestId).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as("answer through the sidecars; logs: %s", mesh.logs()).isEqualTo(200);
    }

    @Test
    @Order(1)
    void twoHopsAreOneTraceAtTheProvidersTheMeshConfigAndTelemetryChoose() throws Exception {
        get("/call/" + RATINGS + ":9080/stars", "otlp-two-hops");

        List<Received> overGrpc = await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                .until(() -> spans(grpcReceived, "otlp-two-hops"), found -> found.size() == 3);
        List<Received> overHttp = await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                .until(() -> spans(httpReceived, "otlp-two-hops"), found -> found.size() == 1);
        Map<String, Received> byHop = new HashMap<>();
        for (Received received : overGrpc) {
            byHop.put(received.service() + " " + received.span().getKind(), received);
        }
        assertThat(byHop).as("spans over gRPC %s", overGrpc).containsOnlyKeys(
                "productpage.default SPAN_KIND_CLIENT", "reviews.default SPAN_KIND_SERVER",
                "reviews.default SPAN_KIND_CLIENT");
        Received ratingsServer = overHttp.getFirst();
        assertThat(ratingsServer.service()).isEqualTo("ratings.default");
        assertThat(ratingsServer.span().getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_SERVER);
        assertThat(httpContentTypes).contains("application/x-protobuf acme");

        Span productpageClient = byHop.get("productpage.default SPAN_KIND_CLIENT").span();
        Span reviewsServer = byHop.get("reviews.default SPAN_KIND_SERVER").span();
        Span reviewsClient = byHop.get("reviews.default SPAN_KIND_CLIENT").span();
        assertThat(productpageClient.getTraceId().size()).isEqualTo(16);
        for (Span span : List.of(reviewsServer, reviewsClient, ratingsServer.span())) {
            assertThat(span.getTraceId()).as("one trace").isEqualTo(productpageClient.getTraceId());
        }
        assertThat(productpageClient.getParentSpanId().isEmpty()).as("the client span starts the trace").isTrue();
        assertThat(reviewsServer.getParentSpanId()).isEqualTo(productpageClient.getSpanId());
        assertThat(reviewsClient.getParentSpanId()).isEqualTo(reviewsServer.getSpanId());
        assertThat(ratingsServer.span().getParentSpanId()).isEqualTo(reviewsClient.getSpanId());
        assertThat(reviewsClient.getName()).isEqualTo(RATINGS + ":9080/*");
        assertThat(reviewsClient.getEndTimeUnixNano()).isGreaterThanOrEqualTo(reviewsClient.getStartTimeUnixNano());
        assertThat(byHop.get("productpage.default SPAN_KIND_CLIENT").attribute("http.status_code")).isEqualTo("200");
        assertThat(byHop.get("productpage.default SPAN_KIND_CLIENT").attribute("env")).isEqualTo("e2e");
        assertThat(ratingsServer.attribute("http.url")).endsWith("/stars");
    }

    @Test
    @Order(2)
    void aTelemetryPushedToTheMeshSendsSpansToAZipkinProvider() throws Exception {
        mesh.writeConfig("productpage-tracing.yaml", """
                apiVersion: telemetry.istio.io/v1
                kind: Telemetry
                metadata: {name: productpage, namespace: default}
                spec:
                  selector:
                    matchLabels: {app: productpage}
                  tracing:
                  - providers: [{name: zipkin-ext}]
                """);
        List<String> sent = new ArrayList<>();
        JsonNode span = await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
                .ignoreExceptions().until(() -> {
                    String requestId = "zipkin-provider-" + sent.size();
                    sent.add(requestId);
                    get("/zipkin", requestId);
                    return zipkinReceived.stream().filter(candidate -> sent.contains(
                            candidate.get("tags").get("guid:x-request-id").asText())).findFirst().orElse(null);
                }, Objects::nonNull);
        assertThat(span.get("kind").asText()).isEqualTo("CLIENT");
        assertThat(span.get("localEndpoint").get("serviceName").asText()).isEqualTo("productpage-v1.default");
        assertThat(span.get("traceId").asText()).hasSize(32);
        assertThat(span.get("tags").get("env").asText()).isEqualTo("e2e");
    }
}
