package dev.skiff.e2e;

import dev.skiff.e2e.backend.TestBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Skiff's Fallback seen from a client: a service without any endpoint answers with its fallback (200 and a JSON
 * body) instead of 503 "no healthy upstream", and the client sidecar's istio_requests_total still records the flag
 * UH, as does a service whose only endpoint is down and ejected by outlier detection; a service whose only
 * endpoint refuses connections answers with its fallback once the retries are exhausted (URX), and so does one
 * whose endpoint answers 503 to every try; a service limited to one connection and one pending request answers the
 * requests that overflow with its fallback (UO) while the admitted ones reach the backend. In the same mesh, a TCP
 * service split 80/20 across two echo backends by a VirtualService tcp route spreads 200 connections within 8
 * points of the weights.
 */
class FallbackEndToEndTest {
    private static final String CLIENT = "127.0.53.1";
    private static final String SLOW_ADDRESS = "127.0.53.2";
    private static final String DOWN_ADDRESS = "127.0.53.3";
    private static final String ECHO_A_ADDRESS = "127.0.53.4";
    private static final String ECHO_B_ADDRESS = "127.0.53.5";
    private static final String GONE = "gone.default.svc.cluster.local";
    private static final String DOWN = "down.default.svc.cluster.local";
    private static final String SLOW = "slow.default.svc.cluster.local";
    private static final String FAILING = "failing.default.svc.cluster.local";
    private static final String EJECTED = "ejected.default.svc.cluster.local";
    private static final String EJECTED_ADDRESS = "127.0.53.6";
    private static final String ECHO = "echo.default.svc.cluster.local";

    @TempDir
    static Path work;
    static LocalMesh mesh;
    static TestBackend slow;
    static ServerSocket echoA;
    static ServerSocket echoB;
    static ExecutorService echoThreads;
    static HttpClient client;

    @BeforeAll
    static void startMesh() throws Exception {
        mesh = new LocalMesh(work);
        slow = TestBackend.start("slow", new InetSocketAddress(SLOW_ADDRESS, 0));
        echoThreads = Executors.newVirtualThreadPerTaskExecutor();
        echoA = echo("a", ECHO_A_ADDRESS);
        echoB = echo("b", ECHO_B_ADDRESS);
        int refusing = LocalMesh.freePort();
        mesh.writeConfig("mesh.yaml", MeshYaml.documents(MeshYaml.client("client", CLIENT),
                MeshYaml.httpService("gone", GONE, 8000),
                MeshYaml.httpService("down", DOWN, 8000, new InetSocketAddress(DOWN_ADDRESS, refusing)),
                MeshYaml.httpService("slow", SLOW, 8000, slow),
                MeshYaml.httpService("failing", FAILING, 8000, slow),
                MeshYaml.httpService("ejected", EJECTED, 8000, new InetSocketAddress(EJECTED_ADDRESS, refusing)),
                MeshYaml.trafficPolicy("ejected", EJECTED, MeshYaml.EJECT_AT_FIRST_5XX), """
                apiVersion: policy.skiff.dev/v1alpha1
                kind: Fallback
                metadata: {name: ejected}
                spec:
                  host: %s
                  responseFlags: [UH]
                  response:
                    status: 503
                    body: every ejected endpoint is down
                ---
                apiVersion: policy.skiff.dev/v1alpha1
                kind: Fallback
                metadata: {name: failing}
                spec:
                  host: %s
                  responseFlags: [URX]
                  response:
                    status: 503
                    headers: {content-type: application/json}
                    body: '{"error": "temporarily unavailable"}'
                """.formatted(EJECTED, FAILING),
                MeshYaml.trafficPolicy("slow", SLOW, MeshYaml.ONE_CONNECTION_ONE_PENDING), """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: slow}
                spec:
                  hosts: [%1$s]
                  http:
                  - name: busy
                    match:
                    - uri: {prefix: /delay}
                    route:
                    - destination: {host: %1$s}
                  - name: rest
                    route:
                    - destination: {host: %1$s}
                ---
                apiVersion: policy.skiff.dev/v1alpha1
                kind: Fallback
                metadata: {name: gone}
                spec:
                  host: %2$s
                  responseFlags: [UH]
                  response:
                    status: 200
                    headers: {content-type: application/json, x-fallback: gone}
                    body: '{"items": []}'
                ---
                apiVersion: policy.skiff.dev/v1alpha1
                kind: Fallback
                metadata: {name: down}
                spec:
                  host: %3$s
                  responseFlags: [URX, UH]
                  response:
                    status: 503
                    body: down for maintenance, back soon
                ---
                apiVersion: policy.skiff.dev/v1alpha1
                kind: Fallback
                metadata: {name: slow}
                spec:
                  host: %1$s
                  routes: [busy]
                  responseFlags: [UO]
                  response:
                    status: 503
                    headers: {retry-after: "1"}
                    body: slow is busy, please retry
                ---
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: echo}
                spec:
                  hosts: [%4$s]
                  location: MESH_INTERNAL
                  resolution: STATIC
                  ports:
                  - {number: 9000, name: tcp, protocol: TCP}
                  workloadSelector:
                    labels: {app: echo}
                """.formatted(SLOW, GONE, DOWN, ECHO),
                MeshYaml.tcpService("echo-a", "echo-a.default.svc.cluster.local", 9001,
                        new InetSocketAddress(ECHO_A_ADDRESS, echoA.getLocalPort())),
                MeshYaml.tcpService("echo-b", "echo-b.default.svc.cluster.local", 9002,
                        new InetSocketAddress(ECHO_B_ADDRESS, echoB.getLocalPort())), """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: echo}
                spec:
                  hosts: [%s]
                  tcp:
                  - route:
                    - destination: {host: echo-a.default.svc.cluster.local}
                      weight: 80
                    - destination: {host: echo-b.default.svc.cluster.local}
                      weight: 20
                """.formatted(ECHO)));
        mesh.startControlPlane();
        mesh.startProxy("client.default", CLIENT);
        client = SidecarHttp.through(CLIENT);
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
                .until(() -> get(SLOW, "/ready").statusCode() == 200);
    }

    @AfterAll
    static void stop() throws Exception {
        Teardown.closeAll(client, mesh, slow, echoA, echoB);
        if (echoThreads != null) {
            echoThreads.shutdownNow();
        }
    }

    /** A TCP backend that answers each connection with its name, a colon and what it read, then closes. */
    private static ServerSocket echo(String name, String address) throws IOException {
        ServerSocket server = new ServerSocket();
        server.bind(new InetSocketAddress(address, 0));
        echoThreads.submit(() -> {
            while (!server.isClosed()) {
                Socket accepted = server.accept();
                echoThreads.submit(() -> {
                    try (Socket s = accepted) {
                        byte[] read = s.getInputStream().readAllBytes();
                        OutputStream out = s.getOutputStream();
                        out.write((name + ":").getBytes(StandardCharsets.US_ASCII));
                        out.write(read);
                        out.flush();
                    }
                    return null;
                });
            }
            return null;
        });
        return server;
    }

    private static HttpResponse<String> get(String host, String path) throws Exception {
        return client.send(request(host, path), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpRequest request(String host, String path) {
        return SidecarHttp.request(host, 8000, path, Duration.ofSeconds(20)).build();
    }

    /** The client sidecar's istio_requests_total for a destination, response code and flags containing a flag. */
    private static long requests(String host, int code, String flag) throws Exception {
        String metrics;
        try (HttpClient plain = HttpClient.newHttpClient()) {
            metrics = plain.send(HttpRequest.newBuilder(URI.create("http://" + CLIENT + ":15090/stats/prometheus"))
                    .build(), HttpResponse.BodyHandlers.ofString()).body();
        }
        long total = 0;
        for (String line : metrics.lines().toList()) {
            if (line.startsWith("istio_requests_total{") && line.contains("destination_service=\"" + host + "\"")
                    && line.contains("response_code=\"" + code + "\"")
                    && line.matches(".*response_flags=\"[^\"]*\\b" + flag + "\\b[^\"]*\".*")) {
                total += (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return total;
    }

    @Test
    void aServiceWithoutHealthyEndpointsAnswersItsFallbackAndTheFlagIsStillRecorded() throws Exception {
        HttpResponse<String> response = get(GONE, "/items");

        assertThat(response.statusCode()).as("%s%s", response.body(), mesh.logs()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("{\"items\": []}");
        assertThat(response.headers().firstValue("content-type")).hasValue("application/json");
        assertThat(response.headers().firstValue("x-fallback")).hasValue("gone");
        await().atMost(Duration.ofSeconds(10)).until(() -> requests(GONE, 200, "UH") >= 1);
    }

    @Test
    void whenEveryEndpointIsDownAndEjectedTheFallbackAnswersWithUh() throws Exception {
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                .until(() -> get(EJECTED, "/").body().equals("every ejected endpoint is down"));
        HttpResponse<String> response = get(EJECTED, "/");

        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(response.body()).isEqualTo("every ejected endpoint is down");
        await().atMost(Duration.ofSeconds(10)).until(() -> requests(EJECTED, 503, "UH") >= 2);
    }

    @Test
    void exhaustedRetriesAnswerTheFallback() throws Exception {
        HttpResponse<String> response = get(DOWN, "/");

        assertThat(response.statusCode()).as("%s%s", response.body(), mesh.logs()).isEqualTo(503);
        assertThat(response.body()).isEqualTo("down for maintenance, back soon");
        await().atMost(Duration.ofSeconds(10)).until(() -> requests(DOWN, 503, "URX") >= 1);
    }

    @Test
    void anUpstreamErrorThatEndsExhaustedRetriesIsReplacedByTheFallback() throws Exception {
        long before = slow.requests();
        HttpResponse<String> response = get(FAILING, "/status/503");

        assertThat(response.statusCode()).as("%s%s", response.body(), mesh.logs()).isEqualTo(503);
        assertThat(response.body()).isEqualTo("{\"error\": \"temporarily unavailable\"}");
        assertThat(response.headers().firstValue("content-type")).hasValue("application/json");
        assertThat(slow.requests() - before).as("the first try and Istio's two default retries").isEqualTo(3);
        await().atMost(Duration.ofSeconds(10)).until(() -> requests(FAILING, 503, "URX") >= 1);
    }

    @Test
    void requestsThatOverflowTheConnectionPoolGetTheFallback() throws Exception {
        List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            calls.add(client.sendAsync(request(SLOW, "/delay/1500"), HttpResponse.BodyHandlers.ofString()));
        }
        int served = 0;
        int fallback = 0;
        for (CompletableFuture<HttpResponse<String>> call : calls) {
            HttpResponse<String> response = call.join();
            if (response.statusCode() == 200) {
                assertThat(response.body()).isEqualTo("slow\n");
                served++;
            } else {
                assertThat(response.statusCode()).as("%s%s", response.body(), mesh.logs()).isEqualTo(503);
                assertThat(response.body()).isEqualTo("slow is busy, please retry");
                assertThat(response.headers().firstValue("retry-after")).hasValue("1");
                fallback++;
            }
        }

        assertThat(served).as("served by the backend (served=%d, fallback=%d)", served, fallback).isPositive();
        assertThat(fallback).as("overflowed (served=%d, fallback=%d)", served, fallback)
                .isGreaterThanOrEqualTo(10);
        long overflowed = fallback;
        await().atMost(Duration.ofSeconds(10)).until(() -> requests(SLOW, 503, "UO") >= overflowed);
    }

    @Test
    void aWeightedTcpRouteSplitsConnectionsEightyTwenty() throws Exception {
        int toA = 0;
        int toB = 0;
        for (int i = 0; i < 200; i++) {
            String echoed = echoThroughConnect("hello-" + i);
            if (echoed.equals("a:hello-" + i)) {
                toA++;
            } else {
                assertThat(echoed).isEqualTo("b:hello-" + i);
                toB++;
            }
        }

        assertThat(toA + toB).isEqualTo(200);
        assertThat(toA * 100 / 200).as("share of backend a (a=%d, b=%d)", toA, toB).isBetween(72, 88);
    }

    /** Opens a CONNECT tunnel to the echo service through the client sidecar; returns what comes back. */
    private static String echoThroughConnect(String message) throws IOException {
        return SidecarHttp.throughConnect(CLIENT, ECHO, 9000, message);
    }
}
