package dev.skiff.e2e;

import dev.skiff.e2e.backend.TestBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * DestinationRule traffic policies at the cluster level, as Istio's tasks show them, through a real control plane
 * and a client sidecar: circuit breaking (one connection, one pending request, the rest refused at once with 503
 * and flag UO), outlier detection (an always-failing endpoint is ejected and gets no more traffic) and consistent
 * hashing (the same header value always reaches the same endpoint).
 */
class ClusterPoliciesEndToEndTest {
    private static final String CLIENT = "127.0.42.1";
    private static final String SLOW = "slow.default.svc.cluster.local";
    private static final String FLAKY = "flaky.default.svc.cluster.local";
    private static final String STICKY = "sticky.default.svc.cluster.local";
    private static final String COOKIE = "cookie.default.svc.cluster.local";

    @TempDir
    static Path work;
    static LocalMesh mesh;
    static HttpClient client;
    static TestBackend slow;
    static TestBackend healthy;
    static TestBackend failing;
    static List<TestBackend> sticky = new ArrayList<>();

    @BeforeAll
    static void startMesh() throws IOException {
        mesh = new LocalMesh(work);
        slow = TestBackend.start("slow", new InetSocketAddress("127.0.42.2", 0));
        healthy = TestBackend.start("healthy", new InetSocketAddress("127.0.42.3", 0));
        failing = TestBackend.start("failing", new InetSocketAddress("127.0.42.4", 0)).failPercent(100, 500);
        for (int i = 0; i < 3; i++) {
            sticky.add(TestBackend.start("sticky-" + i, new InetSocketAddress("127.0.42." + (5 + i), 0)));
        }
        TestBackend[] stickyBackends = sticky.toArray(TestBackend[]::new);
        mesh.writeConfig("services.yaml", MeshYaml.documents(MeshYaml.client("client", CLIENT),
                MeshYaml.httpService("slow", SLOW, 8000, slow),
                MeshYaml.trafficPolicy("slow", SLOW, MeshYaml.ONE_CONNECTION_ONE_PENDING),
                MeshYaml.httpService("flaky", FLAKY, 8000, healthy, failing),
                MeshYaml.trafficPolicy("flaky", FLAKY, MeshYaml.EJECT_AT_FIRST_5XX),
                MeshYaml.httpService("sticky", STICKY, 8000, stickyBackends),
                MeshYaml.trafficPolicy("sticky", STICKY, """
                        loadBalancer:
                          consistentHash: {httpHeaderName: x-user}
                        """),
                MeshYaml.httpService("cookie", COOKIE, 8000, stickyBackends),
                MeshYaml.trafficPolicy("cookie", COOKIE, """
                        loadBalancer:
                          consistentHash:
                            httpCookie: {name: session, path: /, ttl: 60s}
                            maglev: {}
                        """)));
        mesh.startControlPlane();
        mesh.startProxy("client.default", CLIENT);
        client = SidecarHttp.through(CLIENT);
    }

    @AfterAll
    static void stop() throws Exception {
        Teardown.closeAll(client, slow, healthy, failing);
        sticky.forEach(TestBackend::close);
        Teardown.closeAll(mesh);
    }

    private static HttpRequest get(String host, String path) {
        return SidecarHttp.request(host, 8000, path, Duration.ofSeconds(20)).build();
    }

    @Test
    void circuitBreakerRefusesWhatExceedsOneConnectionAndOnePendingRequestAtOnce() {
        List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            calls.add(client.sendAsync(get(SLOW, "/delay/1500"), HttpResponse.BodyHandlers.ofString()));
        }
        int ok = 0;
        int overflow = 0;
        for (CompletableFuture<HttpResponse<String>> call : calls) {
            HttpResponse<String> response = call.join();
            if (response.statusCode() == 200) {
                ok++;
            } else {
                assertThat(response.statusCode()).as("%s%s", response.body(), mesh.logs()).isEqualTo(503);
                assertThat(response.body()).isEqualTo("upstream connect error or disconnect/reset before headers."
                        + " reset reason: overflow");
                overflow++;
            }
        }
        assertThat(ok).as("answered by the backend (ok=%d, overflow=%d)", ok, overflow).isPositive();
        assertThat(overflow).as("refused by the circuit breaker (ok=%d, overflow=%d)", ok, overflow)
                .isGreaterThanOrEqualTo(10);
        assertThat(ok + overflow).isEqualTo(20);
    }

    @Test
    void outlierDetectionEjectsTheFailingEndpointAndShowsItInClusters() throws Exception {
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            client.send(get(FLAKY, "/"), HttpResponse.BodyHandlers.discarding());
            return clusters().contains("outbound|8000||" + FLAKY + "::127.0.42.4:" + failing.port()
                    + "::health_flags::/failed_outlier_check");
        });
        long failingBefore = failing.requests();

        int succeeded = 0;
        for (int i = 0; i < 200; i++) {
            HttpResponse<String> response = client.send(get(FLAKY, "/"), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() == 200) {
                succeeded++;
            }
        }

        assertThat(succeeded).as("successes out of 200 after the ejection").isGreaterThanOrEqualTo(198);
        assertThat(failing.requests()).as("requests the ejected endpoint got").isEqualTo(failingBefore);
        assertThat(clusters()).contains("outbound|8000||" + FLAKY + "::127.0.42.3:" + healthy.port()
                + "::health_flags::healthy");
    }

    @Test
    void consistentHashingSendsTheSameHeaderValueToTheSameEndpoint() throws Exception {
        Set<String> used = new HashSet<>();
        for (int user = 0; user < 30; user++) {
            String first = null;
            for (int again = 0; again < 5; again++) {
                HttpResponse<String> response = client.send(HttpRequest.newBuilder(
                                URI.create("http://" + STICKY + ":8000/")).header("x-user", "user-" + user)
                        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(response.statusCode()).as("%s%s", response.body(), mesh.logs()).isEqualTo(200);
                String backend = response.body().strip();
                if (first == null) {
                    first = backend;
                }
                assertThat(backend).as("endpoint of user-%d", user).isEqualTo(first);
            }
            used.add(first);
        }
        assertThat(used).as("30 users spread over the 3 endpoints").hasSizeGreaterThan(1);
    }

    @Test
    void aHashCookieIsSetWhenMissingAndKeepsTheClientOnItsEndpoint() throws Exception {
        HttpResponse<String> first = client.send(HttpRequest.newBuilder(URI.create("http://" + COOKIE + ":8000/"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(first.statusCode()).as("%s%s", first.body(), mesh.logs()).isEqualTo(200);
        String setCookie = first.headers().firstValue("set-cookie").orElseThrow();
        assertThat(setCookie).matches("session=\"[0-9a-f]{16}\"; Max-Age=60; Path=/; HttpOnly");
        String cookie = setCookie.substring(0, setCookie.indexOf(';'));
        for (int i = 0; i < 10; i++) {
            HttpResponse<String> response = client.send(HttpRequest.newBuilder(
                            URI.create("http://" + COOKIE + ":8000/")).header("cookie", cookie)
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(response.body()).isEqualTo(first.body());
            assertThat(response.headers().firstValue("set-cookie")).isEmpty();
        }
    }

    private static String clusters() throws IOException, InterruptedException {
        try (HttpClient direct = HttpClient.newHttpClient()) {
            return direct.send(HttpRequest.newBuilder(URI.create("http://" + CLIENT + ":15000/clusters")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
        }
    }
}
