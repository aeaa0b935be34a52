package dev.skiff.e2e;

import dev.skiff.e2e.backend.TestBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Istio's AuthorizationPolicy enforced by the server's sidecar over mutual TLS: two meshed workloads with their own
 * service accounts, a mesh-wide STRICT PeerAuthentication and a DENY policy on the client's principal for GET /admin*,
 * which the server's sidecar answers itself while every other request reaches the backend. An AUDIT policy on
 * {@code /audited*} denies nothing; the server sidecar's access log marks what it matched. Two TCP ports of the
 * server, reached through CONNECT tunnels over mutual TLS, are guarded by the server sidecar's RBAC network filters:
 * a DENY rule applies to TCP without its HTTP-only fields, and a DENY policy on the client's principal and one of
 * the ports closes those connections while the other port relays.
 */
class AuthorizationEndToEndTest {
    private static final String CLIENT = "127.0.47.1";
    private static final String SERVER = "127.0.47.2";
    private static final String SERVER_HOST = "server.default.svc.cluster.local";

    private static final String AUDIT_AUDITED = """
            apiVersion: security.istio.io/v1
            kind: AuthorizationPolicy
            metadata: {name: audit-audited, namespace: default}
            spec:
              selector:
                matchLabels: {app: server}
              action: AUDIT
              rules:
              - to:
                - operation:
                    paths: ["/audited*"]
            """;
    private static final String DENY_ADMIN = """
            apiVersion: security.istio.io/v1
            kind: AuthorizationPolicy
            metadata: {name: deny-admin, namespace: default}
            spec:
              selector:
                matchLabels: {app: server}
              action: DENY
              rules:
              - from:
                - source:
                    principals: ["cluster.local/ns/default/sa/client"]
                to:
                - operation:
                    methods: ["GET"]
                    paths: ["/admin*"]
            ---
            """ + AUDIT_AUDITED;
    @TempDir
    static Path work;
    static LocalMesh mesh;
    static TestBackend backend;
    static TestBackend tcpOpen;
    static TestBackend tcpClosed;
    static HttpClient viaSidecar;

    @BeforeAll
    static void startMesh() throws Exception {
        mesh = new LocalMesh(work);
        backend = TestBackend.start("server", new InetSocketAddress("127.0.0.1", 0));
        tcpOpen = TestBackend.start("tcp-open", new InetSocketAddress("127.0.0.1", 0));
        tcpClosed = TestBackend.start("tcp-closed", new InetSocketAddress("127.0.0.1", 0));
        mesh.writeConfig("mesh.yaml", """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: server}
                spec:
                  hosts: [%s]
                  location: MESH_INTERNAL
                  resolution: STATIC
                  ports:
                  - {number: 8080, name: http, protocol: HTTP}
                  - {number: 9000, name: tcp-open, protocol: TCP}
                  - {number: 9001, name: tcp-closed, protocol: TCP}
                  workloadSelector:
                    labels: {app: server}
                ---
                apiVersion: networking.istio.io/v1
                kind: WorkloadEntry
                metadata: {name: client}
                spec:
                  address: %s
                  serviceAccount: client
                  labels: {app: client, security.istio.io/tlsMode: istio}
                ---
                apiVersion: networking.istio.io/v1
                kind: WorkloadEntry
                metadata: {name: server}
                spec:
                  address: %s
                  serviceAccount: server
                  labels: {app: server, security.istio.io/tlsMode: istio}
                  ports: {http: %d, tcp-open: %d, tcp-closed: %d}
                ---
                apiVersion: security.istio.io/v1
                kind: PeerAuthentication
                metadata: {name: default, namespace: istio-system}
                spec:
                  mtls: {mode: STRICT}
                """.formatted(SERVER_HOST, CLIENT, SERVER, backend.port(), tcpOpen.port(), tcpClosed.port()));
        mesh.writeConfig("authorization.yaml", DENY_ADMIN);
        mesh.writeConfig("tcp-authorization.yaml", """
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata: {name: deny-tcp-closed, namespace: default}
                spec:
                  selector:
                    matchLabels: {app: server}
                  action: DENY
                  rules:
                  - from:
                    - source:
                        principals: ["cluster.local/ns/default/sa/client"]
                    to:
                    - operation:
                        ports: ["%d"]
                """.formatted(tcpClosed.port()));
        mesh.startControlPlane(List.of());
        mesh.startMeshedProxy("client.default", CLIENT, "client");
        mesh.startMeshedProxy("server.default", SERVER, "server", List.of("--access-log", "stdout"));
        viaSidecar = HttpClient.newBuilder()
                .proxy(ProxySelector.of(new InetSocketAddress(CLIENT, 15001)))
                .connectTimeout(Duration.ofSeconds(2))
                .build();
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
                .until(() -> get("/other").statusCode() == 200);
    }

    @AfterAll
    static void stop() {
        if (viaSidecar != null) {
            viaSidecar.close();
        }
        if (mesh != null) {
            mesh.close();
        }
        for (TestBackend started : new TestBackend[] {backend, tcpOpen, tcpClosed}) {
            if (started != null) {
                started.close();
            }
        }
    }

    private static HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return send("GET", path);
    }

    private static HttpResponse<String> send(String method, String path) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + SERVER_HOST + ":8080" + path))
                .method(method, HttpRequest.BodyPublishers.noBody())
                .timeout(Duration.ofSeconds(5))
                .build();
        return viaSidecar.send(request, HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void denyPolicyRefusesTheClientsAdminGetsBeforeTheBackendAndLetsOtherRequestsThrough() throws Exception {
        long seenBefore = backend.requests();
        HttpResponse<String> admin = get("/admin/x");
        assertThat(admin.statusCode()).as(mesh::logs).isEqualTo(403);
        assertThat(admin.body()).isEqualTo("RBAC: access denied");
        assertThat(backend.requests()).as("requests the backend saw").isEqualTo(seenBefore);

        HttpResponse<String> other = get("/other");
        assertThat(other.statusCode()).as(mesh::logs).isEqualTo(200);
        assertThat(other.body()).isEqualTo("server\n");

        assertThat(send("POST", "/admin/x").statusCode()).as("only GET is denied").isEqualTo(200);
        assertThat(backend.requests()).isEqualTo(seenBefore + 2);
    }

    @Test
    void auditPolicyServesTheRequestAndMarksItsAccessLogLine() throws Exception {
        HttpResponse<String> audited = get("/audited/report");
        assertThat(audited.statusCode()).as(mesh::logs).isEqualTo(200);
        assertThat(audited.body()).isEqualTo("server\n");

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(mesh.logs().lines()
                .filter(line -> line.startsWith("{\"start_time\"") && line.contains("/audited/report"))
                .toList()).as("the server sidecar's access log line").singleElement().satisfies(line ->
                        assertThat(line).contains("\"response_code\":200").contains("\"access_log_hint\":true")));
        try (HttpClient plain = HttpClient.newHttpClient()) {
            HttpResponse<String> stats = plain.send(HttpRequest.newBuilder(
                    URI.create("http://" + SERVER + ":15000/stats")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(stats.body()).containsPattern("http\\.\\S+\\.rbac\\.logged: [1-9]");
        }
    }

    /**
     * Sends one HTTP request through a CONNECT tunnel to a TCP port of the server; returns what came back until
     * the backend's name arrived, the connection closed or nothing more came for two seconds.
     */
    private static String throughTcpPort(int port) throws IOException {
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        try (Socket socket = new Socket(CLIENT, 15001)) {
            socket.setSoTimeout(2000);
            OutputStream out = socket.getOutputStream();
            out.write(("CONNECT " + SERVER_HOST + ":" + port + " HTTP/1.1\r\nHost: " + SERVER_HOST + ":" + port
                    + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            while (!received.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
                int b = in.read();
                if (b < 0) {
                    return received.toString(StandardCharsets.US_ASCII);
                }
                received.write(b);
            }
            out.write("GET / HTTP/1.1\r\nHost: tcp\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            byte[] buffer = new byte[4096];
            int read;
            while (!received.toString(StandardCharsets.US_ASCII).contains("tcp-")
                    && (read = in.read(buffer)) >= 0) {
                received.write(buffer, 0, read);
            }
        } catch (SocketTimeoutException | SocketException e) {
            received.writeBytes(("[" + e.getMessage() + "]").getBytes(StandardCharsets.US_ASCII));
        }
        return received.toString(StandardCharsets.US_ASCII);
    }

    @Test
    void tcpPortsAreGuardedByTheServersRbacNetworkFilters() throws Exception {
        assertThat(throughTcpPort(9000)).as("deny-admin without its HTTP-only methods and paths, as Istio applies"
                + " a DENY rule to TCP: every connection from the client is denied").doesNotContain("tcp-open");

        mesh.writeConfig("authorization.yaml", AUDIT_AUDITED);
        try {
            await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(200)).untilAsserted(() ->
                    assertThat(throughTcpPort(9000)).as("without deny-admin").contains("tcp-open"));
            assertThat(throughTcpPort(9001)).as("the DENY policy on the client's principal and this port")
                    .doesNotContain("tcp-closed");
            assertThat(tcpClosed.requests()).as("requests the denied TCP backend saw").isZero();
        } finally {
            mesh.writeConfig("authorization.yaml", DENY_ADMIN);
        }
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(200)).untilAsserted(() ->
                assertThat(get("/admin/x").statusCode()).as("deny-admin back").isEqualTo(403));
    }

    @Test
    void policyChangesReachConnectionsThatAreAlreadyOpen() throws Exception {
        assertThat(get("/other").statusCode()).as("a pooled connection to the server sidecar is open").isEqualTo(200);

        mesh.writeConfig("authorization.yaml", DENY_ADMIN + """
                ---
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata: {name: allow-other-account, namespace: default}
                spec:
                  selector:
                    matchLabels: {app: server}
                  action: ALLOW
                  rules:
                  - from:
                    - source:
                        principals: ["cluster.local/ns/default/sa/other"]
                """);
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(200)).untilAsserted(() ->
                assertThat(get("/other").statusCode()).as("an ALLOW policy the client does not match")
                        .isEqualTo(403));

        mesh.writeConfig("authorization.yaml", DENY_ADMIN);
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(200)).untilAsserted(() ->
                assertThat(get("/other").statusCode()).as("the ALLOW policy removed again").isEqualTo(200));
        assertThat(get("/admin/x").statusCode()).isEqualTo(403);
    }
}
