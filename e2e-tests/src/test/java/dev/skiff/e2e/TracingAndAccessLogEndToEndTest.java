package dev.skiff.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skiff.e2e.backend.TestBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
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
import java.util.concurrent.ThreadLocalRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tracing and access logs across sidecars: a real Zipkin server collects the spans, and one request from the
 * application through the client sidecar to the server sidecar is one trace there, the client sidecar's CLIENT span
 * a child of the application's span and the server sidecar's SERVER span a child of that; an unsampled request
 * leaves no trace. With a second hop (reviews calls ratings through its own sidecar, passing the headers on) the
 * trace has four spans in one chain. Both sidecars write the request to their access log as one JSON line.
 * Last, Telemetry resources pushed to the running mesh sample every new trace with custom tags (mesh-wide) and
 * turn the server sidecar's access log off (workload selector).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TracingAndAccessLogEndToEndTest {
    private static final String CLIENT = "127.0.46.1";
    private static final String SERVER = "127.0.46.2";
    private static final String RATINGS_ADDRESS = "127.0.46.3";
    private static final String REVIEWS = "reviews.default.svc.cluster.local";
    private static final String RATINGS = "ratings.default.svc.cluster.local";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path work;
    static LocalMesh mesh;
    static TestBackend backend;
    static TestBackend ratings;
    static HttpClient client;
    static HttpClient plain;
    static URI zipkin;

    @BeforeAll
    static void start() throws IOException {
        Path jar = Path.of(System.getProperty("skiff.zipkin.jar", "zipkin-server.jar"));
        Assumptions.assumeTrue(Files.isRegularFile(jar), "the Zipkin server jar " + jar + " is missing: the"
                + " e2e-tests build copies io.zipkin:zipkin-server:exec there from the Maven repository");
        mesh = new LocalMesh(work);
        int zipkinPort = LocalMesh.freePort();
        mesh.start("zipkin", List.of(ProcessHandle.current().info().command().orElse("java"), "-Xmx256m", "-jar",
                jar.toString(), "--armeria.ports[0].ip=127.0.0.1", "--armeria.ports[0].port=" + zipkinPort,
                "--armeria.ports[0].protocols[0]=http"));
        zipkin = URI.create("http://127.0.0.1:" + zipkinPort);
        backend = TestBackend.start("reviews-v1", new InetSocketAddress("127.0.0.1", 0))
                .callThrough(new InetSocketAddress(SERVER, 15001));
        ratings = TestBackend.start("ratings-v1", new InetSocketAddress("127.0.0.1", 0));
        mesh.writeConfig("mesh.yaml", MeshYaml.productpageReviewsRatings(CLIENT, SERVER, backend.port(),
                RATINGS_ADDRESS, ratings.port()));
        mesh.startControlPlane();
        List<String> telemetry = List.of("--access-log", "stdout", "--zipkin-address", "127.0.0.1:" + zipkinPort);
        mesh.startProxy("productpage-v1.default", CLIENT, Map.of("app", "productpage", "version", "v1"), telemetry);
        mesh.startProxy("reviews-v1.default", SERVER, Map.of("app", "reviews", "version", "v1"), telemetry);
        mesh.startProxy("ratings-v1.default", RATINGS_ADDRESS, Map.of("app", "ratings", "version", "v1"),
                telemetry);
        mesh.awaitOk(zipkin.resolve("/health"));
        client = HttpClient.newBuilder().proxy(ProxySelector.of(new InetSocketAddress(CLIENT, 15001)))
                .connectTimeout(Duration.ofSeconds(2)).build();
        plain = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    }

    @AfterAll
    static void stop() {
        if (client != null) {
            client.close();
            plain.close();
        }
        if (mesh != null) {
            mesh.close();
        }
        if (backend != null) {
            backend.close();
        }
        if (ratings != null) {
            ratings.close();
        }
    }

    private static void get(String path, String requestId, Map<String, String> headers)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://" + REVIEWS + ":9080" + path))
                .timeout(Duration.ofSeconds(5)).header("x-request-id", requestId)
                .header("user-agent", "skiff-e2e \"quoted\" back\\slash");
        headers.forEach(request::header);
        HttpResponse<String> response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as("answer through the sidecars; logs: %s", mesh.logs()).isEqualTo(200);
    }

    private static HttpResponse<String> zipkinTrace(String traceId) throws IOException, InterruptedException {
        return plain.send(HttpRequest.newBuilder(zipkin.resolve("/api/v2/trace/" + traceId))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void oneRequestIsOneTraceWithLinkedClientAndServerSpansInZipkin() throws Exception {
        String unsampledTrace = "5b8efff798038103d269b633813fc60c";
        get("/unsampled", "e2e-unsampled", Map.of("traceparent", "00-" + unsampledTrace + "-eee19b7ec3c1b174-00"));
        String traceId = "0af7651916cd43dd8448eb211c80319c";
        String appSpan = "b7ad6b7169203331";
        get("/traced", "e2e-traced", Map.of("traceparent", "00-" + traceId + "-" + appSpan + "-01",
                "tracestate", "congo=t61rcWkgMzE"));

        JsonNode spans = await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    HttpResponse<String> response = zipkinTrace(traceId);
                    return response.statusCode() == 200 ? JSON.readTree(response.body()) : null;
                }, found -> found != null && found.size() == 2);
        JsonNode clientSpan = null;
        JsonNode serverSpan = null;
        for (JsonNode span : spans) {
            if (span.get("kind").asText().equals("CLIENT")) {
                clientSpan = span;
            } else {
                serverSpan = span;
            }
        }
        assertThat(clientSpan).as("client span in %s", spans).isNotNull();
        assertThat(serverSpan).as("server span in %s", spans).isNotNull();
        assertThat(serverSpan.get("kind").asText()).isEqualTo("SERVER");
        assertThat(clientSpan.get("parentId").asText()).isEqualTo(appSpan);
        assertThat(serverSpan.get("parentId").asText()).isEqualTo(clientSpan.get("id").asText());
        assertThat(clientSpan.get("localEndpoint").get("serviceName").asText()).isEqualTo("productpage-v1.default");
        assertThat(serverSpan.get("localEndpoint").get("serviceName").asText()).isEqualTo("reviews-v1.default");
        assertThat(clientSpan.get("tags").get("http.status_code").asText()).isEqualTo("200");
        assertThat(clientSpan.get("tags").get("guid:x-request-id").asText()).isEqualTo("e2e-traced");
        assertThat(serverSpan.get("tags").get("http.url").asText()).endsWith("/traced");

        assertThat(zipkinTrace(unsampledTrace).statusCode()).as("the unsampled request left no spans")
                .isEqualTo(404);
    }

    @Test
    void twoHopsThroughThreeSidecarsAreOneTrace() throws Exception {
        String traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
        get("/call/" + RATINGS + ":9080/stars", "e2e-two-hops", Map.of("x-b3-traceid", traceId,
                "x-b3-spanid", "00f067aa0ba902b7", "x-b3-sampled", "1"));
        JsonNode spans = await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    HttpResponse<String> response = zipkinTrace(traceId);
                    return response.statusCode() == 200 ? JSON.readTree(response.body()) : null;
                }, found -> found != null && found.size() == 4);
        Map<String, JsonNode> byHop = new HashMap<>();
        for (JsonNode span : spans) {
            byHop.put(span.get("localEndpoint").get("serviceName").asText() + " " + span.get("kind").asText(), span);
        }
        assertThat(byHop).as("spans %s", spans).containsOnlyKeys("productpage-v1.default CLIENT",
                "reviews-v1.default SERVER", "reviews-v1.default CLIENT", "ratings-v1.default SERVER");
        assertThat(byHop.get("productpage-v1.default CLIENT").get("parentId").asText()).isEqualTo("00f067aa0ba902b7");
        assertThat(byHop.get("reviews-v1.default SERVER").get("parentId").asText())
                .isEqualTo(byHop.get("productpage-v1.default CLIENT").get("id").asText());
        assertThat(byHop.get("reviews-v1.default CLIENT").get("parentId").asText())
                .isEqualTo(byHop.get("reviews-v1.default SERVER").get("id").asText());
        assertThat(byHop.get("ratings-v1.default SERVER").get("parentId").asText())
                .isEqualTo(byHop.get("reviews-v1.default CLIENT").get("id").asText());
        assertThat(byHop.get("reviews-v1.default CLIENT").get("name").asText()).isEqualTo(RATINGS + ":9080/*");
    }

    @Test
    void bothSidecarsWriteTheRequestToTheirAccessLog() throws Exception {
        get("/logged?q=%22x%22", "e2e-logged", Map.of());
        List<JsonNode> lines = await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200))
                .until(() -> accessLogLines("e2e-logged"), found -> found.size() == 2);
        JsonNode outbound = lines.stream().filter(line -> line.get("upstream_cluster").asText()
                .startsWith("outbound|9080||")).findFirst().orElseThrow();
        JsonNode inbound = lines.stream().filter(line -> line.get("upstream_cluster").asText()
                .startsWith("inbound|")).findFirst().orElseThrow();
        for (JsonNode line : lines) {
            assertThat(line.get("method").asText()).isEqualTo("GET");
            assertThat(line.get("path").asText()).isEqualTo("/logged?q=%22x%22");
            assertThat(line.get("response_code").asInt()).isEqualTo(200);
            assertThat(line.get("response_flags").asText()).isEqualTo("-");
            assertThat(line.get("user_agent").asText()).isEqualTo("skiff-e2e \"quoted\" back\\slash");
            assertThat(line.get("bytes_sent").asLong()).isEqualTo("reviews-v1\n".length());
            assertThat(line.get("upstream_service_time").asText()).matches("\\d+");
        }
        assertThat(outbound.get("authority").asText()).isEqualTo(REVIEWS + ":9080");
        assertThat(outbound.get("upstream_host").asText()).startsWith(SERVER + ":");
        assertThat(inbound.get("downstream_remote_address").isNull()).isFalse();
        assertThat(inbound.get("upstream_host").asText()).endsWith(":" + backend.port());
    }

    @Test
    @Order(Integer.MAX_VALUE)
    void telemetryResourcesSampleTagSpansAndTurnTheServerAccessLogOff() throws Exception {
        mesh.writeConfig("telemetry.yaml", """
                apiVersion: telemetry.istio.io/v1
                kind: Telemetry
                metadata: {name: mesh-default, namespace: istio-system}
                spec:
                  tracing:
                  - providers: [{name: zipkin}]
                    randomSamplingPercentage: 100
                    customTags:
                      env: {literal: {value: e2e}}
                      tenant: {header: {name: x-tenant, defaultValue: none}}
                ---
                apiVersion: telemetry.istio.io/v1alpha1
                kind: Telemetry
                metadata: {name: reviews, namespace: default}
                spec:
                  selector:
                    matchLabels: {app: reviews}
                  accessLogging:
                  - match: {mode: SERVER}
                    disabled: true
                """);
        List<String> sent = new ArrayList<>();
        JsonNode spans = await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
                .ignoreExceptions().until(() -> {
                    String traceId = "%016x%016x".formatted(ThreadLocalRandom.current().nextLong(),
                            ThreadLocalRandom.current().nextLong());
                    sent.add(traceId);
                    get("/sampled-by-telemetry", "e2e-telemetry-" + traceId, Map.of("x-b3-traceid", traceId,
                            "x-b3-spanid", "00f067aa0ba902b7", "x-tenant", "acme"));
                    for (String id : sent) {
                        HttpResponse<String> response = zipkinTrace(id);
                        JsonNode trace = response.statusCode() == 200 ? JSON.readTree(response.body()) : null;
                        // Both sidecars have the Telemetry once both spans carry its tag: the client sidecar may
                        // sample at 100% while the server sidecar, not updated yet, honours its decision untagged.
                        if (trace != null && trace.size() == 2 && trace.get(0).get("tags").has("env")
                                && trace.get(1).get("tags").has("env")) {
                            return trace;
                        }
                    }
                    return null;
                }, Objects::nonNull);
        for (JsonNode span : spans) {
            assertThat(span.get("tags").get("env").asText()).as("span %s", span).isEqualTo("e2e");
            assertThat(span.get("tags").get("tenant").asText()).as("span %s", span).isEqualTo("acme");
        }
        String requestId = spans.get(0).get("tags").get("guid:x-request-id").asText();
        List<JsonNode> lines = await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200))
                .until(() -> accessLogLines(requestId), found -> !found.isEmpty());
        assertThat(lines).as("only the client sidecar logs").singleElement()
                .satisfies(line -> assertThat(line.get("upstream_cluster").asText()).startsWith("outbound|9080||"));
    }

    private static List<JsonNode> accessLogLines(String requestId) throws IOException {
        List<JsonNode> found = new ArrayList<>();
        for (String line : mesh.logs().split("\n")) {
            if (line.startsWith("{\"start_time\"")) {
                JsonNode node = JSON.readTree(line);
                if (requestId.equals(node.get("request_id").asText())) {
                    found.add(node);
                }
            }
        }
        return found;
    }
}
