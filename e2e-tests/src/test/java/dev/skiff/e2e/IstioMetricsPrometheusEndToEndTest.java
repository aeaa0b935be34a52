package dev.skiff.e2e;

import dev.skiff.e2e.backend.TcpEcho;
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
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Istio's standard metrics as Prometheus sees them: Debian's {@code prometheus} server scrapes the client and the
 * server sidecar every second; after known HTTP traffic (30 requests, 5 of them answered 503 by the backend) and
 * TCP connections through CONNECT, PromQL over Prometheus's HTTP API returns what was sent, for both reporters.
 * Retries are off for the service, so that each request reaches the server once (with Istio's default retry
 * policy the server's sidecar would count every retried 503 attempt too). Then, on the same mesh, a
 * DestinationRule's connection pool limits make concurrent requests overflow ({@code response_flags="UO"}), and a
 * mesh-wide Telemetry changes what the sidecars export: the server's requests lose a label and gain one, the
 * client reporter stops (HTTP and TCP).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class IstioMetricsPrometheusEndToEndTest {
    private static final String CLIENT = "127.0.44.1";
    private static final String SERVER = "127.0.44.2";
    private static final String REVIEWS = "reviews.default.svc.cluster.local";
    private static final String ECHO = "echo.default.svc.cluster.local";

    @TempDir
    static Path work;
    static LocalMesh mesh;
    static TestBackend backend;
    static TcpEcho echo;
    static HttpClient client;
    static URI prometheus;

    @BeforeAll
    static void start() throws IOException {
        Path binary = prometheusBinary();
        Assumptions.assumeTrue(binary != null, "the prometheus server binary is not on the PATH: install Debian's"
                + " 'prometheus' package (.ci/run does) to run this test");
        mesh = new LocalMesh(work);
        backend = TestBackend.start("reviews-v2", new InetSocketAddress("127.0.0.1", 0));
        echo = TcpEcho.start(new InetSocketAddress("127.0.0.1", 0));
        mesh.writeConfig("mesh.yaml", MeshYaml.documents(
                MeshYaml.httpService("reviews", REVIEWS, 9080),
                MeshYaml.versionedWorkload("productpage", "v1", CLIENT, null),
                """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: echo}
                spec:
                  hosts: [%s]
                  location: MESH_INTERNAL
                  resolution: STATIC
                  ports:
                  - {number: 9000, name: tcp-echo, protocol: TCP}
                  workloadSelector:
                    labels: {app: reviews}
                ---
                apiVersion: networking.istio.io/v1
                kind: WorkloadEntry
                metadata: {name: reviews-v2}
                spec:
                  address: %s
                  labels: {app: reviews, version: v2}
                  ports: {http: %d, tcp-echo: %d}
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews}
                spec:
                  hosts: [%5$s]
                  http:
                  - route:
                    - destination: {host: %5$s}
                    retries: {attempts: 0}
                """.formatted(ECHO, SERVER, backend.port(), echo.port(), REVIEWS)));
        mesh.startControlPlane();
        mesh.startProxy("productpage-v1.default", CLIENT, Map.of("app", "productpage", "version", "v1"));
        mesh.startProxy("reviews-v2.default", SERVER, Map.of("app", "reviews", "version", "v2"));
        prometheus = startPrometheus(binary);
        client = HttpClient.newBuilder()
                .proxy(ProxySelector.of(new InetSocketAddress(CLIENT, 15001)))
                .connectTimeout(Duration.ofSeconds(2))
                .build();
    }

    private static Path prometheusBinary() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, "prometheus");
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return null;
    }

    private static URI startPrometheus(Path binary) throws IOException {
        Path dir = Files.createDirectories(work.resolve("prometheus"));
        Files.writeString(dir.resolve("prometheus.yml"), """
                global:
                  scrape_interval: 1s
                  evaluation_interval: 1s
                scrape_configs:
                - job_name: sidecars
                  metrics_path: /stats/prometheus
                  static_configs:
                  - targets: ['%s:15090', '%s:15090']
                """.formatted(CLIENT, SERVER));
        int port = LocalMesh.freePort();
        mesh.start("prometheus", List.of(binary.toString(), "--config.file=" + dir.resolve("prometheus.yml"),
                "--storage.tsdb.path=" + dir.resolve("data"), "--web.listen-address=127.0.0.1:" + port,
                "--log.level=warn"));
        URI base = URI.create("http://127.0.0.1:" + port);
        mesh.awaitOk(base.resolve("/-/ready"));
        return base;
    }

    @AfterAll
    static void stop() throws IOException {
        if (client != null) {
            client.close();
        }
        if (mesh != null) {
            mesh.close();
        }
        if (backend != null) {
            backend.close();
        }
        if (echo != null) {
            echo.close();
        }
    }

    private static int get(String path) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + REVIEWS + ":9080" + path))
                .timeout(Duration.ofSeconds(5)).build();
        HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
        assertThat(response.headers().firstValue("x-envoy-peer-metadata")).as("peer metadata reaches the client")
                .isEmpty();
        return response.statusCode();
    }

    /** Opens a CONNECT tunnel to the echo service through the client sidecar and checks the echo. */
    private static void echoThroughConnect(String message) throws IOException {
        assertThat(SidecarHttp.throughConnect(CLIENT, ECHO, 9000, message)).isEqualTo(message);
    }

    /** Runs an instant PromQL query; returns each result's labels (as a sorted string) and value. */
    private static Map<String, String> query(String promql) throws IOException, InterruptedException {
        URI uri = prometheus.resolve("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
        try (HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            Map<String, String> results = new TreeMap<>();
            Matcher m = Pattern.compile("\\{\"metric\":\\{([^}]*)\\},\"value\":\\[[^,]+,\"([^\"]+)\"\\]\\}")
                    .matcher(response.body());
            while (m.find()) {
                results.put(m.group(1).replace("\"", ""), m.group(2));
            }
            return results;
        }
    }

    @Test
    @Order(1)
    void prometheusSeesWhatWasSentForBothReporters() throws Exception {
        assertThat(get("/")).isEqualTo(200);
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250)).untilAsserted(() ->
                assertThat(query("sum by (reporter) (istio_requests_total)"))
                        .containsEntry("reporter:destination", "1").containsEntry("reporter:source", "1"));

        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            statuses.add(get("/"));
        }
        for (int i = 0; i < 5; i++) {
            statuses.add(get("/status/503"));
        }
        assertThat(statuses).filteredOn(s -> s == 503).hasSize(5);
        for (int i = 0; i < 3; i++) {
            echoThroughConnect("ping " + i + "\n");
        }

        String byOutcome = "sum by (reporter, destination_service_name, destination_version, response_code)"
                + " (istio_requests_total)";
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250)).untilAsserted(() ->
                assertThat(query(byOutcome)).containsExactlyInAnyOrderEntriesOf(Map.of(
                        "destination_service_name:reviews,destination_version:v2,reporter:destination,"
                                + "response_code:200", "25",
                        "destination_service_name:reviews,destination_version:v2,reporter:destination,"
                                + "response_code:503", "5",
                        "destination_service_name:reviews,destination_version:v2,reporter:source,"
                                + "response_code:200", "25",
                        "destination_service_name:reviews,destination_version:v2,reporter:source,"
                                + "response_code:503", "5")));

        assertThat(query("sum by (source_workload, source_app, source_version, destination_workload,"
                + " connection_security_policy) (istio_requests_total{reporter=\"destination\"})"))
                .containsExactlyEntriesOf(Map.of("connection_security_policy:none,destination_workload:reviews-v2,"
                        + "source_app:productpage,source_version:v1,source_workload:productpage-v1", "30"));
        assertThat(query("sum by (request_protocol, response_flags, destination_service)"
                + " (istio_requests_total{reporter=\"source\"})"))
                .containsExactlyEntriesOf(Map.of("destination_service:" + REVIEWS
                        + ",request_protocol:http,response_flags:-", "30"));

        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
            Map<String, String> p99 = query("histogram_quantile(0.99, sum(rate("
                    + "istio_request_duration_milliseconds_bucket[1m])) by (le))");
            assertThat(p99).hasSize(1);
            assertThat(Double.parseDouble(p99.values().iterator().next())).isNotNaN().isPositive();
        });
        assertThat(query("sum(istio_request_bytes_count{reporter=\"source\"})")).containsValue("30");
        assertThat(query("count(istio_response_bytes_bucket{reporter=\"source\",response_code=\"200\"})"))
                .containsValue("20");

        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
            assertThat(query("sum by (reporter, destination_service_name, request_protocol)"
                    + " (istio_tcp_connections_opened_total)"))
                    .containsEntry("destination_service_name:echo,reporter:source,request_protocol:tcp", "3")
                    .containsEntry("destination_service_name:unknown,reporter:destination,request_protocol:tcp",
                            "3");
            assertThat(query("sum by (reporter) (istio_tcp_connections_closed_total)"))
                    .containsEntry("reporter:source", "3").containsEntry("reporter:destination", "3");
            int sent = 0;
            for (int i = 0; i < 3; i++) {
                sent += ("ping " + i + "\n").length();
            }
            assertThat(query("sum by (reporter) (istio_tcp_received_bytes_total)"))
                    .containsEntry("reporter:source", Integer.toString(sent))
                    .containsEntry("reporter:destination", Integer.toString(sent));
            assertThat(query("sum by (reporter) (istio_tcp_sent_bytes_total)"))
                    .containsEntry("reporter:source", Integer.toString(sent));
        });
    }

    /** Sends {@code count} requests at once; returns their statuses. */
    private static List<Integer> concurrently(int count, String path) {
        List<CompletableFuture<HttpResponse<Void>>> responses = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            responses.add(client.sendAsync(HttpRequest.newBuilder(URI.create("http://" + REVIEWS + ":9080" + path))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.discarding()));
        }
        return responses.stream().map(response -> response.join().statusCode()).toList();
    }

    @Test
    @Order(2)
    void circuitBreakerOverflowsAreReportedWithResponseFlagUO() throws Exception {
        mesh.writeConfig("circuit-breaker.yaml", """
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: reviews}
                spec:
                  host: %s
                  trafficPolicy:
                    connectionPool:
                      tcp: {maxConnections: 1}
                      http: {http1MaxPendingRequests: 1}
                """.formatted(REVIEWS));
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).ignoreExceptions().until(() ->
                concurrently(6, "/delay/300").contains(503));

        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250)).untilAsserted(() ->
                assertThat(query("sum by (reporter, response_code) (istio_requests_total{response_flags=\"UO\"})"))
                        .containsOnlyKeys("reporter:source,response_code:503")
                        .allSatisfy((labels, value) -> assertThat(Integer.parseInt(value)).isPositive()));
    }

    @Test
    @Order(3)
    void aMeshWideTelemetryRemovesAndAddsLabelsAndStopsTheClientReporter() throws Exception {
        mesh.writeConfig("telemetry.yaml", """
                apiVersion: telemetry.istio.io/v1
                kind: Telemetry
                metadata: {name: mesh-default, namespace: istio-system}
                spec:
                  metrics:
                  - providers: [{name: prometheus}]
                    overrides:
                    - match: {metric: REQUEST_COUNT, mode: SERVER}
                      tagOverrides:
                        source_version: {operation: REMOVE}
                        mesh: {value: "'e2e'"}
                    - match: {mode: CLIENT}
                      disabled: true
                """);
        String changed = "sum(istio_requests_total{reporter=\"destination\",mesh=\"e2e\",source_version=\"\"})";
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                .untilAsserted(() -> {
            assertThat(get("/")).isEqualTo(200);
            assertThat(query(changed)).isNotEmpty();
        });
        String sourceTotal = "sum(istio_requests_total{reporter=\"source\"})";
        // read after two more scrapes, so that requests the client counted before its listener changed are in
        String clientCount = await().pollDelay(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(10))
                .until(() -> query(sourceTotal).values().stream().findFirst().orElse(null), Objects::nonNull);
        int serverCount = Integer.parseInt(query(changed).values().iterator().next());

        for (int i = 0; i < 5; i++) {
            assertThat(get("/")).isEqualTo(200);
        }
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250)).untilAsserted(() ->
                assertThat(Integer.parseInt(query(changed).values().iterator().next()))
                        .as("polling requests may still arrive").isGreaterThanOrEqualTo(serverCount + 5));
        assertThat(query(sourceTotal)).as("the client reporter is disabled").containsValue(clientCount);
        assertThat(query("count(istio_request_bytes_count{reporter=\"destination\",mesh=\"e2e\"})"))
                .as("only REQUEST_COUNT gets the label").isEmpty();

        echoThroughConnect("after the change\n");
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250)).untilAsserted(() ->
                assertThat(query("sum by (reporter) (istio_tcp_connections_opened_total)"))
                        .as("the client reporter's TCP metrics stop too")
                        .containsEntry("reporter:destination", "4").containsEntry("reporter:source", "3"));
    }
}
