package dev.skiff.e2e;

import dev.skiff.e2e.backend.TestBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Skiff's LocalRateLimit enforced by the server's sidecar: a 10 requests per second bucket (10 tokens, 10 more each
 * second) on the server's inbound side, offered 50 requests per second for 3 seconds through the client's sidecar.
 * About 10 per second reach the backend (the first 10 at once), the rest are answered 429 by the server's sidecar
 * with the x-ratelimit headers and never reach the backend. A second service, shop, limits only its checkout route,
 * with buckets of their own for two values of x-tenant: its other route stays unlimited, and each tenant value
 * exhausts only its own bucket.
 */
class LocalRateLimitEndToEndTest {
    private static final String CLIENT = "127.0.48.1";
    private static final String SERVER = "127.0.48.2";
    private static final String SERVER_HOST = "server.default.svc.cluster.local";
    private static final String SHOP = "127.0.48.3";
    private static final String SHOP_HOST = "shop.default.svc.cluster.local";

    @TempDir
    static Path work;
    static LocalMesh mesh;
    static TestBackend backend;
    static HttpClient viaSidecar;

    @BeforeAll
    static void startMesh() throws Exception {
        mesh = new LocalMesh(work);
        backend = TestBackend.start("server", new InetSocketAddress("127.0.0.1", 0));
        mesh.writeConfig("mesh.yaml", MeshYaml.documents(MeshYaml.httpService("server", SERVER_HOST, 8080),
                MeshYaml.client("client", CLIENT),
                MeshYaml.workload("server", SERVER, backend.port()),
                MeshYaml.httpService("shop", SHOP_HOST, 8080),
                MeshYaml.workload("shop", SHOP, backend.port()), """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: shop}
                spec:
                  hosts: [%1$s]
                  http:
                  - name: checkout
                    match:
                    - uri: {prefix: /checkout}
                    route:
                    - destination: {host: %1$s}
                  - name: browse
                    route:
                    - destination: {host: %1$s}
                """.formatted(SHOP_HOST)));
        mesh.startControlPlane(List.of());
        mesh.startProxy("client.default", CLIENT);
        mesh.startProxy("server.default", SERVER);
        mesh.startProxy("shop.default", SHOP);
        viaSidecar = SidecarHttp.through(CLIENT);
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
                .until(() -> get().statusCode() == 200);
        mesh.writeConfig("ratelimit.yaml", """
                apiVersion: policy.skiff.dev/v1alpha1
                kind: LocalRateLimit
                metadata: {name: server-limit, namespace: default}
                spec:
                  workloadSelector:
                    labels: {app: server}
                  limits:
                  - name: ten-per-second
                    tokenBucket: {maxTokens: 10, tokensPerFill: 10, fillInterval: 1s}
                ---
                apiVersion: policy.skiff.dev/v1alpha1
                kind: LocalRateLimit
                metadata: {name: shop-checkout, namespace: default}
                spec:
                  workloadSelector:
                    labels: {app: shop}
                  limits:
                  - name: checkout
                    route: checkout
                    tokenBucket: {maxTokens: 2, fillInterval: 1h}
                    headerBuckets:
                      header: x-tenant
                      values:
                      - value: gold
                        tokenBucket: {maxTokens: 4, fillInterval: 1h}
                      - value: free
                        tokenBucket: {maxTokens: 1, fillInterval: 1h}
                """);
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
                .until(() -> get().statusCode() == 429);
    }

    @AfterAll
    static void stop() throws Exception {
        Teardown.closeAll(viaSidecar, mesh, backend);
    }

    private static HttpResponse<String> get() throws Exception {
        return viaSidecar.send(request(), HttpResponse.BodyHandlers.ofString());
    }

    private static int shop(String path, String tenant) throws Exception {
        return viaSidecar.send(SidecarHttp.request(SHOP_HOST, 8080, path, Duration.ofSeconds(5), "x-tenant", tenant)
                .build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static List<Integer> shopStatuses(String path, String tenant, int count) throws Exception {
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            statuses.add(shop(path, tenant));
        }
        return statuses;
    }

    @Test
    void aRouteScopedLimitLeavesTheOtherRouteAloneAndEachTenantHasItsOwnBucket() throws Exception {
        // Requests without x-tenant use the checkout route's default bucket of 2: once the limit is applied, they
        // are refused, and nothing else has taken a token of the tenants' buckets.
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
                .until(() -> shop("/checkout/cart", null) == 429);

        assertThat(shopStatuses("/browse", null, 20)).as("the browse route has no limit").containsOnly(200);
        assertThat(shopStatuses("/checkout/pay", "gold", 6)).as("gold's own bucket of 4")
                .containsExactly(200, 200, 200, 200, 429, 429);
        assertThat(shopStatuses("/checkout/pay", "free", 3)).as("free's own bucket of 1")
                .containsExactly(200, 429, 429);
        assertThat(shopStatuses("/checkout/pay", "silver", 2)).as("other values share the exhausted default")
                .containsOnly(429);
        assertThat(shopStatuses("/browse", "free", 5)).containsOnly(200);
    }

    private static HttpRequest request() {
        return SidecarHttp.request(SERVER_HOST, 8080, "/limited", Duration.ofSeconds(5)).build();
    }

    @Test
    void fiftyRequestsPerSecondOfferedAboutTenPass() throws Exception {
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(100))
                .until(() -> get().statusCode() == 200);
        long seenBefore = backend.requests();
        List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>();
        long start = System.nanoTime();
        for (int i = 0; i < 150; i++) {
            long due = start + TimeUnit.MILLISECONDS.toNanos(20L * i);
            while (System.nanoTime() < due) {
                LockSupport.parkNanos(due - System.nanoTime());
            }
            responses.add(viaSidecar.sendAsync(request(), HttpResponse.BodyHandlers.ofString()));
        }
        int passed = 0;
        int limited = 0;
        HttpResponse<String> aLimitedOne = null;
        List<String> others = new ArrayList<>();
        for (CompletableFuture<HttpResponse<String>> future : responses) {
            HttpResponse<String> response = future.get(10, TimeUnit.SECONDS);
            if (response.statusCode() == 200) {
                passed++;
            } else if (response.statusCode() == 429) {
                limited++;
                aLimitedOne = response;
            } else {
                others.add(response.statusCode() + " " + response.body());
            }
        }

        assertThat(passed + limited).as("every response is 200 or 429, not %s%s", others, mesh.logs())
                .isEqualTo(150);
        assertThat(passed).as("requests admitted in 3 s at 10/s with a burst of 10").isBetween(25, 45);
        assertThat(backend.requests() - seenBefore).as("limited requests never reach the backend")
                .isEqualTo(passed);
        assertThat(aLimitedOne.body()).isEqualTo("local_rate_limited");
        assertThat(aLimitedOne.headers().firstValue("x-ratelimit-limit")).hasValue("10");
        assertThat(aLimitedOne.headers().firstValue("x-ratelimit-remaining")).hasValue("0");
        assertThat(aLimitedOne.headers().firstValue("x-ratelimit-reset")).isPresent();
    }
}
