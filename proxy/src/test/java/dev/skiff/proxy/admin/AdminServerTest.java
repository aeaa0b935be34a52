package dev.skiff.proxy.admin;

import dev.skiff.proxy.ProxyRuntime;
import dev.skiff.proxy.ProxyRuntimeOptions;
import dev.skiff.proxy.model.CircuitBreakerSpec;
import dev.skiff.proxy.model.ClusterPolicy;
import dev.skiff.proxy.model.ConnectionPoolSpec;
import dev.skiff.proxy.model.OutlierDetectionSpec;
import dev.skiff.proxy.upstream.ClusterRuntime;
import dev.skiff.proxy.upstream.OutlierResult;
import dev.skiff.proxy.model.ClusterSpec;
import dev.skiff.proxy.model.Endpoint;
import dev.skiff.proxy.model.EndpointSet;
import dev.skiff.proxy.model.LbPolicy;
import dev.skiff.proxy.model.ProxyConfigSnapshot;
import dev.skiff.proxy.model.UpstreamProtocol;
import dev.skiff.proxy.transport.NoLeaks;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@ExtendWith(NoLeaks.class)
class AdminServerTest {

    private final ProxyRuntime runtime = new ProxyRuntime(ProxyRuntimeOptions.defaults().withEventLoopThreads(1));
    private final HttpClient client = HttpClient.newHttpClient();
    private final AtomicBoolean ready = new AtomicBoolean();

    @AfterEach
    void stop() {
        runtime.close();
    }

    private HttpResponse<String> get(InetSocketAddress server, String path) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.getPort() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void readyFollowsTheSupplier() throws Exception {
        try (AdminServer admin = new AdminServer(new InetSocketAddress("127.0.0.1", 0), runtime, () -> "{}",
                ready::get)) {
            assertThat(get(admin.address(), "/ready").statusCode()).isEqualTo(503);
            assertThat(get(admin.address(), "/ready").body()).isEqualTo("PRE_INITIALIZING\n");
            ready.set(true);
            HttpResponse<String> response = get(admin.address(), "/ready");
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).isEqualTo("LIVE\n");
            assertThat(get(admin.address(), "/nope").statusCode()).isEqualTo(404);
        }
    }

    @Test
    void clustersListEveryHostEnvoyStyle() throws Exception {
        String name = "outbound|9080||reviews.default.svc.cluster.local";
        runtime.apply(new ProxyConfigSnapshot("7", List.of(), Map.of(),
                Map.of(name, new ClusterSpec(name, LbPolicy.LEAST_REQUEST, UpstreamProtocol.HTTP1,
                        Duration.ofSeconds(1), false)),
                Map.of(name, new EndpointSet(name, List.of(
                        new Endpoint(new InetSocketAddress("127.0.0.1", 9080), 3, "us-east/zone-a/"))))));
        try (AdminServer admin = new AdminServer(new InetSocketAddress("127.0.0.1", 0), runtime,
                () -> "{\"configs\":[]}", ready::get)) {
            String clusters = get(admin.address(), "/clusters").body();
            assertThat(clusters).contains(name + "::127.0.0.1:9080::rq_active::0\n")
                    .contains(name + "::127.0.0.1:9080::cx_active::0\n")
                    .contains(name + "::127.0.0.1:9080::weight::3\n")
                    .contains(name + "::127.0.0.1:9080::region::us-east\n")
                    .contains(name + "::127.0.0.1:9080::zone::zone-a\n")
                    .contains(name + "::127.0.0.1:9080::health_flags::healthy\n")
                    .contains(name + "::lb_policy::LEAST_REQUEST\n");
            HttpResponse<String> dump = get(admin.address(), "/config_dump");
            assertThat(dump.headers().firstValue("content-type")).contains("application/json");
            assertThat(dump.body()).isEqualTo("{\"configs\":[]}");
            assertThat(get(admin.address(), "/runtime").body()).isEqualTo("{\"version\":\"7\",\"listeners\":[],"
                    + "\"clusters\":[{\"name\":\"" + name + "\",\"endpoints\":1}],\"routeTables\":[]}");
        }
    }

    @Test
    void clustersShowThresholdsAndOutlierEjections() throws Exception {
        String name = "outbound|8000||httpbin.default.svc.cluster.local";
        ClusterPolicy policy = new ClusterPolicy(new CircuitBreakerSpec(1, 2, 3, 4), ConnectionPoolSpec.DEFAULT,
                new OutlierDetectionSpec(1, 100, 0, 0, false, 0, 0, Duration.ofSeconds(1), Duration.ofMinutes(3),
                        Duration.ofMinutes(5), 100), 0);
        runtime.apply(new ProxyConfigSnapshot("8", List.of(), Map.of(),
                Map.of(name, new ClusterSpec(name, LbPolicy.ROUND_ROBIN, UpstreamProtocol.HTTP1,
                        Duration.ofSeconds(1), false, policy)),
                Map.of(name, new EndpointSet(name, List.of(
                        new Endpoint(new InetSocketAddress("127.0.0.1", 8001)),
                        new Endpoint(new InetSocketAddress("127.0.0.1", 8002)))))));
        ClusterRuntime cluster = runtime.state().clusters().get(name);
        cluster.traffic().outlierDetector().report(cluster.hosts().getFirst(), OutlierResult.HTTP_RESPONSE, 500);
        try (AdminServer admin = new AdminServer(new InetSocketAddress("127.0.0.1", 0), runtime,
                () -> "{\"configs\":[]}", ready::get)) {
            assertThat(get(admin.address(), "/clusters").body())
                    .contains(name + "::default_priority::max_connections::1\n")
                    .contains(name + "::default_priority::max_pending_requests::2\n")
                    .contains(name + "::default_priority::max_requests::3\n")
                    .contains(name + "::default_priority::max_retries::4\n")
                    .contains(name + "::127.0.0.1:8001::health_flags::/failed_outlier_check\n")
                    .contains(name + "::127.0.0.1:8002::health_flags::healthy\n");
        }
    }

    @Test
    void healthIsReadyOnlyAfterTheFirstConfiguration() throws Exception {
        try (HealthServer health = new HealthServer(new InetSocketAddress("127.0.0.1", 0),
                runtime.eventLoopGroup(), ready::get)) {
            assertThat(get(health.address(), "/healthz/ready").statusCode()).isEqualTo(503);
            ready.set(true);
            assertThat(get(health.address(), "/healthz/ready").statusCode()).isEqualTo(200);
            assertThat(get(health.address(), "/other").statusCode()).isEqualTo(404);
        }
    }

    @Test
    void bindFailureSaysWhatWasExpected() {
        try (HealthServer health = new HealthServer(new InetSocketAddress("127.0.0.1", 0),
                runtime.eventLoopGroup(), ready::get)) {
            assertThatThrownBy(() -> new HealthServer(health.address(), runtime.eventLoopGroup(), ready::get))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("health server: cannot bind")
                    .hasMessageContaining("expected: a free local address");
        }
    }
}
