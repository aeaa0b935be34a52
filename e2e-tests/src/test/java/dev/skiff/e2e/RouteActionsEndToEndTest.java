package dev.skiff.e2e;

import dev.skiff.e2e.backend.TestBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The VirtualService route actions besides forwarding, against real processes: a control plane reading a config
 * directory, the client's sidecar and two in-JVM ratings backends (subsets v1 and v2). One VirtualService carries
 * the scenarios, told apart by path: redirects, a direct response, a CORS policy, per-destination headers, and
 * mirroring to a backend that answers, one that never answers and an address nobody listens on.
 */
class RouteActionsEndToEndTest {
    private static final String CLIENT = "127.0.52.1";
    private static final String V1_ADDRESS = "127.0.52.2";
    private static final String V2_ADDRESS = "127.0.52.3";
    private static final String MIRROR_ADDRESS = "127.0.52.4";
    private static final String SILENT_ADDRESS = "127.0.52.5";
    private static final String DEAD_ADDRESS = "127.0.52.6";
    private static final String MIRROR = "ratings-mirror.default.svc.cluster.local";
    private static final String SILENT = "ratings-silent.default.svc.cluster.local";
    private static final String DEAD = "ratings-dead.default.svc.cluster.local";
    private static final String RATINGS = "ratings.default.svc.cluster.local";
    private static final String ALLOWED_ORIGIN = "https://shop.example";

    @TempDir
    static Path work;
    static LocalMesh mesh;
    static TestBackend v1;
    static TestBackend v2;
    static TestBackend mirror;
    static ServerSocket silent;
    static HttpClient client;

    @BeforeAll
    static void startMesh() throws IOException {
        mesh = new LocalMesh(work);
        v1 = TestBackend.start("ratings-v1", new InetSocketAddress(V1_ADDRESS, 0));
        v2 = TestBackend.start("ratings-v2", new InetSocketAddress(V2_ADDRESS, 0));
        mirror = TestBackend.start("ratings-mirror", new InetSocketAddress(MIRROR_ADDRESS, 0));
        silent = new ServerSocket(0, 50, InetAddress.getByName(SILENT_ADDRESS));
        int deadPort;
        try (ServerSocket closed = new ServerSocket(0, 1, InetAddress.getByName(DEAD_ADDRESS))) {
            deadPort = closed.getLocalPort();
        }
        mesh.writeConfig("services.yaml", MeshYaml.documents(MeshYaml.httpService("ratings", RATINGS, 9080),
                MeshYaml.client("client", CLIENT),
                MeshYaml.versionedWorkload("ratings", "v1", V1_ADDRESS, v1.port()),
                MeshYaml.versionedWorkload("ratings", "v2", V2_ADDRESS, v2.port()),
                MeshYaml.versionSubsets("ratings", RATINGS),
                MeshYaml.httpService("mirror", MIRROR, 9080, mirror),
                MeshYaml.httpService("silent", SILENT, 9080,
                        new InetSocketAddress(SILENT_ADDRESS, silent.getLocalPort())),
                MeshYaml.httpService("dead", DEAD, 9080, new InetSocketAddress(DEAD_ADDRESS, deadPort))));
        mesh.writeConfig("ratings-vs.yaml", """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: ratings}
                spec:
                  hosts: [%1$s]
                  http:
                  - name: moved
                    match:
                    - uri: {exact: /v1/ratings}
                    redirect:
                      uri: /v2/ratings
                      authority: ratings.example
                  - name: to-https
                    match:
                    - uri: {prefix: /secure/}
                    redirect:
                      uri: "%%PREFIX()%%/vault/"
                      scheme: https
                      derivePort: FROM_REQUEST_PORT
                      redirectCode: 308
                  - name: maintenance
                    match:
                    - uri: {prefix: /maintenance}
                    directResponse:
                      status: 503
                      body: {string: down for maintenance}
                  - name: api
                    match:
                    - uri: {prefix: /api/}
                    corsPolicy:
                      allowOrigins:
                      - exact: %2$s
                      allowMethods: [GET, POST]
                      allowHeaders: [x-token]
                      exposeHeaders: [x-backend]
                      maxAge: 1h
                      allowCredentials: true
                    route:
                    - destination: {host: %1$s, subset: v1}
                  - name: split
                    match:
                    - uri: {prefix: /headers/split}
                    route:
                    - destination: {host: %1$s, subset: v1}
                      weight: 50
                      headers:
                        request:
                          set: {x-destination: v1}
                        response:
                          set: {x-picked: v1}
                    - destination: {host: %1$s, subset: v2}
                      weight: 50
                      headers:
                        request:
                          set: {x-destination: v2}
                        response:
                          set: {x-picked: v2}
                  - name: mirrored
                    match:
                    - uri: {prefix: /mirrored/}
                    route:
                    - destination: {host: %1$s, subset: v1}
                    mirror: {host: %3$s}
                    mirrorPercentage: {value: 100}
                  - name: mirrored-nowhere
                    match:
                    - uri: {prefix: /mirrored-nowhere/}
                    route:
                    - destination: {host: %1$s, subset: v1}
                    mirrors:
                    - destination: {host: %4$s}
                    - destination: {host: %5$s}
                      percentage: {value: 100}
                  - name: default
                    route:
                    - destination: {host: %1$s, subset: v1}
                """.formatted(RATINGS, ALLOWED_ORIGIN, MIRROR, SILENT, DEAD));
        mesh.startControlPlane();
        mesh.startProxy("client.default", CLIENT);
        client = SidecarHttp.through(CLIENT);
    }

    @AfterAll
    static void stop() throws Exception {
        Teardown.closeAll(client, v1, v2, mirror, silent, mesh);
    }

    private static HttpRequest.Builder request(String path) {
        return SidecarHttp.request(RATINGS, 9080, path, Duration.ofSeconds(10));
    }

    private static HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
        return SidecarHttp.send(client, request);
    }

    private static long backendRequests() {
        return v1.requests() + v2.requests();
    }

    @Test
    void aRedirectIsAnsweredBySidecarWith301AndTheNewLocation() throws Exception {
        long before = backendRequests();

        HttpResponse<String> moved = send(request("/v1/ratings?user=jason"));
        HttpResponse<String> secure = send(request("/secure/keys/1"));

        assertThat(moved.statusCode()).as(mesh.logs()).isEqualTo(301);
        assertThat(moved.headers().firstValue("location")).contains("http://ratings.example/v2/ratings?user=jason");
        assertThat(moved.body()).isEmpty();
        assertThat(secure.statusCode()).isEqualTo(308);
        assertThat(secure.headers().firstValue("location"))
                .contains("https://" + RATINGS + ":9080/vault/keys/1");
        assertThat(backendRequests()).isEqualTo(before);
    }

    @Test
    void aDirectResponseIsAnsweredWithItsStatusAndBody() throws Exception {
        long before = backendRequests();

        HttpResponse<String> response = send(request("/maintenance"));

        assertThat(response.statusCode()).as(mesh.logs()).isEqualTo(503);
        assertThat(response.body()).isEqualTo("down for maintenance");
        assertThat(response.headers().firstValue("content-type")).contains("text/plain");
        assertThat(backendRequests()).isEqualTo(before);
    }

    @Test
    void aPreflightFromAnAllowedOriginIsAnsweredByTheSidecar() throws Exception {
        long before = backendRequests();

        HttpResponse<String> response = send(request("/api/items")
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .header("Origin", ALLOWED_ORIGIN)
                .header("Access-Control-Request-Method", "POST")
                .header("Access-Control-Request-Headers", "x-token"));

        assertThat(response.statusCode()).as(mesh.logs()).isEqualTo(200);
        assertThat(response.headers().firstValue("access-control-allow-origin")).contains(ALLOWED_ORIGIN);
        assertThat(response.headers().firstValue("access-control-allow-methods")).contains("GET,POST");
        assertThat(response.headers().firstValue("access-control-allow-headers")).contains("x-token");
        assertThat(response.headers().firstValue("access-control-max-age")).contains("3600");
        assertThat(response.headers().firstValue("access-control-allow-credentials")).contains("true");
        assertThat(response.headers().firstValue("x-backend")).isEmpty();
        assertThat(backendRequests()).isEqualTo(before);
    }

    @Test
    void aPreflightFromAnotherOriginGetsNoAllowHeaders() throws Exception {
        HttpResponse<String> response = send(request("/api/items")
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .header("Origin", "https://evil.example")
                .header("Access-Control-Request-Method", "POST"));

        assertThat(response.statusCode()).as(mesh.logs()).isEqualTo(200);
        assertThat(response.headers().map().keySet()).noneMatch(name -> name.startsWith("access-control-"));
        assertThat(response.headers().firstValue("x-backend")).as("forwarded, as unmatchedPreflights defaults to")
                .contains("ratings-v1");
    }

    @Test
    void anActualRequestFromAnAllowedOriginGetsTheCorsResponseHeaders() throws Exception {
        HttpResponse<String> allowed = send(request("/api/items").header("Origin", ALLOWED_ORIGIN));
        HttpResponse<String> other = send(request("/api/items").header("Origin", "https://evil.example"));

        assertThat(allowed.statusCode()).as(mesh.logs()).isEqualTo(200);
        assertThat(allowed.headers().firstValue("access-control-allow-origin")).contains(ALLOWED_ORIGIN);
        assertThat(allowed.headers().firstValue("access-control-expose-headers")).contains("x-backend");
        assertThat(other.statusCode()).isEqualTo(200);
        assertThat(other.headers().firstValue("access-control-allow-origin")).isEmpty();
    }

    @Test
    void eachDestinationsHeadersApplyOnlyWhenThatDestinationIsPicked() throws Exception {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 40; i++) {
            HttpResponse<String> response = send(request("/headers/split/" + i));
            assertThat(response.statusCode()).as(mesh.logs()).isEqualTo(200);
            String backend = response.headers().firstValue("x-backend").orElseThrow();
            String version = backend.substring(backend.length() - 2);
            assertThat(response.headers().allValues("x-picked")).containsExactly(version);
            assertThat(response.body()).contains("x-destination: " + version + "\n")
                    .doesNotContain("x-destination: " + (version.equals("v1") ? "v2" : "v1"));
            seen.add(version);
        }
        assertThat(seen).containsExactlyInAnyOrder("v1", "v2");
    }

    @Test
    void theMirrorSeesACopyWithAShadowHostAndTheCallerTheRealAnswer() throws Exception {
        HttpResponse<String> response = send(request("/mirrored/ratings/7")
                .POST(HttpRequest.BodyPublishers.ofString("five stars")));

        assertThat(response.statusCode()).as(mesh.logs()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("ratings-v1\n");
        await().atMost(Duration.ofSeconds(10)).until(() -> !mirror.seen().isEmpty());
        assertThat(mirror.seen()).containsExactly("POST /mirrored/ratings/7 " + RATINGS + "-shadow:9080");
        assertThat(v1.seen()).contains("POST /mirrored/ratings/7 " + RATINGS + ":9080");
    }

    @Test
    void aMirrorThatNeverAnswersOrCannotBeReachedNeverHoldsUpTheCaller() throws Exception {
        for (int i = 0; i < 5; i++) {
            HttpResponse<String> response = send(request("/mirrored-nowhere/" + i));
            assertThat(response.statusCode()).as(mesh.logs()).isEqualTo(200);
            assertThat(response.body()).isEqualTo("ratings-v1\n");
        }
    }
}
