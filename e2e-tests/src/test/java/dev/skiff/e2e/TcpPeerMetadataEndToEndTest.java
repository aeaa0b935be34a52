package dev.skiff.e2e;

import dev.skiff.e2e.backend.TcpEcho;
import dev.skiff.e2e.backend.TestBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Istio's TCP metadata exchange between two sidecars under a mesh-wide STRICT PeerAuthentication: TCP connections
 * tunnelled through the client sidecar (CONNECT) to a TCP echo service go over mutual TLS that negotiates
 * {@code istio-peer-exchange}; each sidecar learns the other's workload from the exchange, so both reporters' TCP
 * metrics carry the peer's workload labels and the mutual TLS principals. HTTP on the same pair of sidecars keeps
 * its own exchange in headers.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TcpPeerMetadataEndToEndTest {
    private static final String CLIENT = "127.0.57.1";
    private static final String SERVER = "127.0.57.2";
    private static final String ECHO = "echo.default.svc.cluster.local";
    private static final String ECHO_HTTP = "echo-http.default.svc.cluster.local";
    private static final String CLIENT_ID = "spiffe://cluster.local/ns/default/sa/sleep";
    private static final String SERVER_ID = "spiffe://cluster.local/ns/default/sa/echo";
    private static final String MESSAGE = "ping over mutual TLS\n";
    private static final int CONNECTIONS = 3;

    @TempDir
    static Path work;
    static LocalMesh mesh;
    static TestBackend backend;
    static TcpEcho echo;
    static HttpClient viaSidecar;

    @BeforeAll
    static void start() throws Exception {
        mesh = new LocalMesh(work);
        backend = TestBackend.start("echo-v2", new InetSocketAddress("127.0.0.1", 0));
        echo = TcpEcho.start(new InetSocketAddress("127.0.0.1", 0));
        mesh.writeConfig("mesh.yaml", """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: echo}
                spec:
                  hosts: [%1$s]
                  location: MESH_INTERNAL
                  resolution: STATIC
                  ports:
                  - {number: 9000, name: tcp-echo, protocol: TCP}
                  workloadSelector:
                    labels: {app: echo}
                ---
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: echo-http}
                spec:
                  hosts: [%2$s]
                  location: MESH_INTERNAL
                  resolution: STATIC
                  ports:
                  - {number: 9080, name: http, protocol: HTTP}
                  workloadSelector:
                    labels: {app: echo}
                ---
                apiVersion: networking.istio.io/v1
                kind: WorkloadEntry
                metadata: {name: sleep}
                spec:
                  address: %3$s
                  serviceAccount: sleep
                  labels: {app: sleep, version: v1, security.istio.io/tlsMode: istio}
                ---
                apiVersion: networking.istio.io/v1
                kind: WorkloadEntry
                metadata: {name: echo}
                spec:
                  address: %4$s
                  serviceAccount: echo
                  labels: {app: echo, version: v2, security.istio.io/tlsMode: istio}
                  ports: {http: %5$d, tcp-echo: %6$d}
                ---
                apiVersion: security.istio.io/v1
                kind: PeerAuthentication
                metadata: {name: default, namespace: istio-system}
                spec:
                  mtls: {mode: STRICT}
                """.formatted(ECHO, ECHO_HTTP, CLIENT, SERVER, backend.port(), echo.port()));
        mesh.startControlPlane();
        mesh.startMeshedProxy("sleep.default", CLIENT, "sleep", Map.of("app", "sleep", "version", "v1"), List.of());
        mesh.startMeshedProxy("echo.default", SERVER, "echo", Map.of("app", "echo", "version", "v2"), List.of());
        viaSidecar = SidecarHttp.through(CLIENT);
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() -> echoThroughConnect("ready\n"));
    }

    @AfterAll
    static void stop() throws Exception {
        Teardown.closeAll(viaSidecar, mesh, backend, echo);
    }

    /** Opens a CONNECT tunnel to the echo service through the client sidecar and checks the echo. */
    private static void echoThroughConnect(String message) throws IOException {
        assertThat(SidecarHttp.throughConnect(CLIENT, ECHO, 9000, message)).isEqualTo(message);
    }

    /** The sidecar's series of {@code metric} whose labels include every one of {@code labels}, by value. */
    private static List<String> series(String address, String metric, String... labels)
            throws IOException, InterruptedException {
        HttpResponse<String> response;
        try (HttpClient plain = HttpClient.newHttpClient()) {
            response = plain.send(HttpRequest.newBuilder(URI.create("http://" + address + ":15090/stats/prometheus"))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        }
        return response.body().lines()
                .filter(line -> line.startsWith(metric + "{"))
                .filter(line -> List.of(labels).stream().allMatch(label -> line.contains(label + ",")
                        || line.contains(label + "}")))
                .map(line -> labels.length == 0 ? line : line.substring(line.lastIndexOf(' ') + 1))
                .toList();
    }

    @Test
    @Order(1)
    void theDestinationSidecarReportsTheClientsWorkloadAndPrincipal() throws Exception {
        for (int i = 0; i < CONNECTIONS; i++) {
            echoThroughConnect(MESSAGE);
        }
        String[] client = {"reporter=\"destination\"", "source_workload=\"sleep\"", "source_app=\"sleep\"",
                "source_version=\"v1\"", "source_workload_namespace=\"default\"",
                "source_canonical_service=\"sleep\"", "source_principal=\"" + CLIENT_ID + "\"",
                "destination_principal=\"" + SERVER_ID + "\"", "destination_workload=\"echo\"",
                "connection_security_policy=\"mutual_tls\"", "request_protocol=\"tcp\""};
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(series(SERVER, "istio_tcp_connections_opened_total", client)).as(mesh.logs())
                    .containsExactly(Integer.toString(CONNECTIONS + 1));
            assertThat(series(SERVER, "istio_tcp_connections_closed_total", client))
                    .containsExactly(Integer.toString(CONNECTIONS + 1));
            assertThat(series(SERVER, "istio_tcp_received_bytes_total", client))
                    .containsExactly(Integer.toString(CONNECTIONS * MESSAGE.length() + "ready\n".length()));
        });
        assertThat(series(SERVER, "istio_tcp_connections_opened_total", "reporter=\"destination\"",
                "source_workload=\"unknown\"")).as("no TCP connection's client is unknown").isEmpty();
    }

    @Test
    @Order(2)
    void theSourceSidecarReportsTheServersWorkloadAndPrincipal() throws Exception {
        String[] server = {"reporter=\"source\"", "destination_workload=\"echo\"", "destination_app=\"echo\"",
                "destination_version=\"v2\"", "destination_workload_namespace=\"default\"",
                "destination_canonical_service=\"echo\"", "destination_principal=\"" + SERVER_ID + "\"",
                "source_workload=\"sleep\"", "source_principal=\"" + CLIENT_ID + "\"",
                "destination_service=\"" + ECHO + "\"", "request_protocol=\"tcp\""};
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(series(CLIENT, "istio_tcp_connections_opened_total", server))
                    .as(String.join("\n", series(CLIENT, "istio_tcp_connections_opened_total")))
                    .containsExactly(Integer.toString(CONNECTIONS + 1));
            assertThat(series(CLIENT, "istio_tcp_sent_bytes_total", server))
                    .containsExactly(Integer.toString(CONNECTIONS * MESSAGE.length() + "ready\n".length()));
        });
    }

    @Test
    @Order(3)
    void httpBetweenTheSameSidecarsKeepsItsHeaderExchange() throws Exception {
        HttpResponse<String> response = SidecarHttp.send(viaSidecar,
                SidecarHttp.request(ECHO_HTTP, 9080, "/hello", Duration.ofSeconds(5)));
        assertThat(response.statusCode()).as(mesh.logs()).isEqualTo(200);

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(series(SERVER, "istio_requests_total",
                "reporter=\"destination\"", "source_workload=\"sleep\"", "source_principal=\"" + CLIENT_ID + "\"",
                "connection_security_policy=\"mutual_tls\"", "response_code=\"200\"")).containsExactly("1"));
    }
}
