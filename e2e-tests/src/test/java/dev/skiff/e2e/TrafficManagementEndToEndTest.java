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

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Istio's traffic management tasks against real processes: a control plane reading a config directory, the client's
 * sidecar, and an in-JVM backend at the ratings workload's address. One VirtualService carries the scenarios, told
 * apart by path and header as the tasks do: request timeouts, retries, fault injection (delay for
 * {@code end-user: jason}, a 50% abort), a URI rewrite with a response header.
 */
class TrafficManagementEndToEndTest {
    private static final String CLIENT = "127.0.41.1";
    private static final String RATINGS_ADDRESS = "127.0.41.2";
    private static final String RATINGS = "ratings.default.svc.cluster.local";

    @TempDir
    static Path work;
    static LocalMesh mesh;
    static TestBackend ratings;
    static HttpClient client;

    @BeforeAll
    static void startMesh() throws IOException {
        mesh = new LocalMesh(work);
        ratings = TestBackend.start("ratings-v1", new InetSocketAddress(RATINGS_ADDRESS, 0));
        mesh.writeConfig("services.yaml", MeshYaml.documents(MeshYaml.httpService("ratings", RATINGS, 9080),
                MeshYaml.client("client", CLIENT),
                MeshYaml.versionedWorkload("ratings", "v1", RATINGS_ADDRESS, ratings.port())));
        mesh.writeConfig("ratings-vs.yaml", """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: ratings}
                spec:
                  hosts: [%1$s]
                  http:
                  - name: jason-delay
                    match:
                    - headers:
                        end-user: {exact: jason}
                    fault:
                      delay:
                        fixedDelay: 1s
                        percentage: {value: 100}
                    timeout: 0.2s
                    route:
                    - destination: {host: %1$s}
                  - name: abort-half
                    match:
                    - uri: {prefix: /abort}
                    fault:
                      abort:
                        httpStatus: 500
                        percentage: {value: 50}
                    route:
                    - destination: {host: %1$s}
                  - name: timeout
                    match:
                    - uri: {prefix: /delay}
                    timeout: 1s
                    route:
                    - destination: {host: %1$s}
                  - name: retries
                    match:
                    - uri: {prefix: /flaky/retried}
                    retries:
                      attempts: 2
                      perTryTimeout: 2s
                      retryOn: 5xx
                    route:
                    - destination: {host: %1$s}
                  - name: legacy-rewrite
                    match:
                    - uri: {prefix: /legacy/}
                    rewrite: {uri: /status/}
                    headers:
                      response:
                        set: {x-rewritten: "yes"}
                    route:
                    - destination: {host: %1$s}
                  - name: no-retries
                    retries:
                      attempts: 0
                    route:
                    - destination: {host: %1$s}
                """.formatted(RATINGS));
        mesh.startControlPlane();
        mesh.startProxy("client.default", CLIENT);
        client = SidecarHttp.through(CLIENT);
    }

    @AfterAll
    static void stop() throws Exception {
        Teardown.closeAll(client, ratings, mesh);
    }

    private static HttpResponse<String> call(String path, String endUser) throws IOException, InterruptedException {
        return SidecarHttp.send(client,
                SidecarHttp.request(RATINGS, 9080, path, Duration.ofSeconds(10), "end-user", endUser));
    }

    /** The client sidecar's istio_requests_total lines for a response code and response flags. */
    private static long requestsWithFlags(int code, String flags) throws IOException, InterruptedException {
        String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://" + CLIENT + ":15090/stats/prometheus")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        long total = 0;
        for (String line : metrics.lines().toList()) {
            if (line.startsWith("istio_requests_total{") && line.contains("response_code=\"" + code + "\"")
                    && line.contains("response_flags=\"" + flags + "\"")
                    && line.contains("reporter=\"source\"")) {
                total += (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return total;
    }

    @Test
    void aRouteTimeoutAnswers504WithUt() throws Exception {
        HttpResponse<String> response = call("/delay/3000", null);

        assertThat(response.statusCode()).as(mesh.logs()).isEqualTo(504);
        assertThat(response.body()).isEqualTo("upstream request timeout");
        assertThat(requestsWithFlags(504, "UT")).isPositive();
    }

    @Test
    void aFailedFirstAttemptIsRetried() throws Exception {
        long before = ratings.requests();

        HttpResponse<String> response = call("/flaky/retried-once", null);

        assertThat(response.statusCode()).as(mesh.logs()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("ratings-v1\n");
        assertThat(ratings.requests() - before).isEqualTo(2);
    }

    @Test
    void withoutRetriesTheFailureGoesDownstream() throws Exception {
        assertThat(call("/flaky/no-retries", null).statusCode()).as(mesh.logs()).isEqualTo(503);
    }

    @Test
    void jasonIsDelayedAndTheDelayedRequestEscapesTheRouteTimeout() throws Exception {
        HttpResponse<String> response = call("/ratings/0", "jason");

        assertThat(response.statusCode()).as(mesh.logs()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("ratings-v1\n");
        assertThat(requestsWithFlags(200, "DI")).isPositive();
        assertThat(call("/ratings/0", "mary").statusCode()).isEqualTo(200);
    }

    @Test
    void halfOfTheRequestsAreAbortedWith500() throws Exception {
        // 1000 requests: the +-7 point bound is 4.4 standard deviations of a fair coin, so it fails by chance
        // about once in 100,000 runs, while an abort percentage of 35 or 65 fails almost surely.
        int requests = 1000;
        int aborted = 0;
        for (int i = 0; i < requests; i++) {
            HttpResponse<String> response = call("/abort/" + i, null);
            if (response.statusCode() == 500) {
                assertThat(response.body()).isEqualTo("fault filter abort");
                aborted++;
            } else {
                assertThat(response.statusCode()).isEqualTo(200);
            }
        }
        assertThat(aborted * 100.0 / requests).as("share of aborted requests (%d of %d)", aborted, requests)
                .isBetween(43.0, 57.0);
        assertThat(requestsWithFlags(500, "FI")).isEqualTo(aborted);
    }

    @Test
    void aRewrittenPathReachesTheBackendAndTheResponseGetsTheRouteHeader() throws Exception {
        HttpResponse<String> response = call("/legacy/418", null);

        assertThat(response.statusCode()).as(mesh.logs()).isEqualTo(418);
        assertThat(response.headers().firstValue("x-rewritten")).contains("yes");
    }
}
