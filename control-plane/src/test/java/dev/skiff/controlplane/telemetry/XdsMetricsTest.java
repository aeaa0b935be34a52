package dev.skiff.controlplane.telemetry;

import static dev.skiff.controlplane.xds.server.TestResources.cluster;
import static dev.skiff.controlplane.xds.server.TestResources.endpoints;
import static dev.skiff.controlplane.xds.server.TestResources.listener;
import static dev.skiff.controlplane.xds.server.TestResources.route;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Value;
import com.google.rpc.Status;
import dev.skiff.controlplane.monitor.MonitoringServer;
import dev.skiff.controlplane.xds.TypeUrls;
import dev.skiff.controlplane.xds.server.AdsService;
import dev.skiff.controlplane.xds.server.AdsTestClient;
import dev.skiff.controlplane.xds.server.ConnectedProxies;
import dev.skiff.controlplane.xds.server.InMemoryResourceProvider;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.micrometer.core.instrument.MockClock;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A real ADS service and a real monitoring port: what proxies do shows up in {@code /metrics} under istiod's names. */
class XdsMetricsTest {
    static final String REVIEWS = "outbound|9080||reviews.default.svc.cluster.local";
    static final String RATINGS = "outbound|9080||ratings.default.svc.cluster.local";
    static final String DETAILS = "outbound|9080||details.default.svc.cluster.local";
    static final String REVIEWS_LISTENER = "reviews.default.svc.cluster.local:9080";

    private final InMemoryResourceProvider provider = new InMemoryResourceProvider();
    private final ConnectedProxies proxies = new ConnectedProxies();
    private final MockClock clock = new MockClock();
    private final ControlPlaneMetrics metrics = new ControlPlaneMetrics(clock);
    private final HttpClient http = HttpClient.newHttpClient();
    private final Node node = withIstioVersion(AdsTestClient.sidecarNode("reviews-v1", "default"), "1.24.2");
    private AdsService ads;
    private Server server;
    private ManagedChannel channel;
    private MonitoringServer monitoring;

    @BeforeEach
    void start() throws IOException {
        provider.put(cluster(REVIEWS), cluster(RATINGS), endpoints(REVIEWS, "127.0.0.21", 9080),
                listener(REVIEWS_LISTENER, REVIEWS_LISTENER), route(REVIEWS_LISTENER, "*", REVIEWS));
        ads = new AdsService(provider, proxies, Clock.systemUTC(), metrics);
        String name = InProcessServerBuilder.generateName();
        server = InProcessServerBuilder.forName(name).directExecutor().addService(ads).build().start();
        channel = InProcessChannelBuilder.forName(name).directExecutor().build();
        monitoring = new MonitoringServer(new InetSocketAddress("127.0.0.1", 0), () -> true, proxies, metrics)
                .start();
    }

    @AfterEach
    void stop() {
        monitoring.close();
        channel.shutdownNow();
        server.shutdownNow();
        metrics.close();
    }

    private static Node withIstioVersion(Node node, String version) {
        return node.toBuilder()
                .setMetadata(node.getMetadata().toBuilder()
                        .putFields("ISTIO_VERSION", Value.newBuilder().setStringValue(version).build()))
                .build();
    }

    private String scrape() {
        try {
            HttpResponse<String> response = http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + monitoring.port() + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.headers().firstValue("Content-Type"))
                    .hasValue("text/plain; version=0.0.4; charset=utf-8");
            return response.body();
        } catch (IOException e) {
            throw new AssertionError("GET /metrics failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** The sample lines of {@code /metrics}, without comments. */
    private List<String> samples() {
        return scrape().lines().filter(line -> !line.startsWith("#")).toList();
    }

    private void awaitSample(String line) {
        await().untilAsserted(() -> assertThat(samples()).contains(line));
    }

    private DiscoveryRequest request(String typeUrl, String version, String nonce, String... names) {
        return DiscoveryRequest.newBuilder()
                .setNode(node)
                .setTypeUrl(typeUrl)
                .setVersionInfo(version)
                .setResponseNonce(nonce)
                .addAllResourceNames(List.of(names))
                .build();
    }

    private static DiscoveryRequest ack(DiscoveryResponse response, String... names) {
        return DiscoveryRequest.newBuilder()
                .setTypeUrl(response.getTypeUrl())
                .setVersionInfo(response.getVersionInfo())
                .setResponseNonce(response.getNonce())
                .addAllResourceNames(List.of(names))
                .build();
    }

    private static DiscoveryRequest nack(DiscoveryResponse response, String acceptedVersion, int code) {
        return DiscoveryRequest.newBuilder()
                .setTypeUrl(response.getTypeUrl())
                .setVersionInfo(acceptedVersion)
                .setResponseNonce(response.getNonce())
                .setErrorDetail(Status.newBuilder().setCode(code).setMessage("cluster rejected"))
                .build();
    }

    @Test
    void exportsEveryIstioFamilyUnderItsExactNameAndType() {
        String text = scrape();
        assertThat(text.lines()).contains(
                "# HELP pilot_xds_pushes Pilot build and send errors for lds, rds, cds and eds.",
                "# TYPE pilot_xds_pushes counter",
                "# TYPE pilot_total_xds_rejects counter",
                "# TYPE pilot_push_triggers counter",
                "# TYPE pilot_xds_expired_nonce counter",
                "# TYPE pilot_total_xds_internal_errors counter",
                "# TYPE pilot_inbound_updates counter",
                "# TYPE pilot_proxy_convergence_time histogram",
                "# TYPE pilot_proxy_queue_time histogram",
                "# TYPE pilot_xds_push_time histogram",
                "# TYPE pilot_xds_send_time histogram",
                "# TYPE pilot_xds_config_size_bytes histogram",
                "pilot_xds_pushes{type=\"cds\"} 0",
                "pilot_xds_pushes{type=\"rds_senderr\"} 0",
                "pilot_total_xds_rejects{type=\"lds\"} 0",
                "pilot_push_triggers{type=\"config\"} 0",
                "pilot_inbound_updates{type=\"config\"} 0",
                "pilot_proxy_convergence_time_bucket{le=\"0.1\"} 0",
                "pilot_proxy_convergence_time_bucket{le=\"0.5\"} 0",
                "pilot_proxy_convergence_time_bucket{le=\"30\"} 0",
                "pilot_proxy_convergence_time_bucket{le=\"+Inf\"} 0",
                "pilot_proxy_convergence_time_count 0",
                "pilot_xds_push_time_bucket{type=\"eds\",le=\"0.01\"} 0",
                "pilot_xds_config_size_bytes_bucket{type=\"lds\",le=\"40000000\"} 0",
                "pilot_xds_send_time_bucket{le=\"0.01\"} 0");
        assertThat(text).doesNotContain("pilot_xds_pushes_total", "pilot_proxy_convergence_time_seconds",
                "pilot_xds_config_size_bytes_bytes");
    }

    @Test
    void connectPushAckAndNackAreCounted() {
        try (var client = AdsTestClient.sotw(channel)) {
            client.send(request(TypeUrls.CLUSTER, "", ""));
            DiscoveryResponse initial = client.next();
            client.send(ack(initial));
            await().untilAsserted(() -> assertThat(samples()).contains(
                    "pilot_xds{version=\"1.24.2\"} 1",
                    "pilot_xds_pushes{type=\"cds\"} 1",
                    "pilot_xds_push_time_count{type=\"cds\"} 1",
                    "pilot_xds_config_size_bytes_count{type=\"cds\"} 1",
                    "pilot_xds_send_time_count 1",
                    "pilot_proxy_convergence_time_count 0"));

            provider.put(cluster(DETAILS));
            ads.push();
            DiscoveryResponse pushed = client.next();
            clock.add(2, TimeUnit.SECONDS);
            client.send(ack(pushed));
            awaitSample("pilot_proxy_convergence_time_count 1");
            assertThat(samples()).contains(
                    "pilot_push_triggers{type=\"config\"} 1",
                    "pilot_xds_pushes{type=\"cds\"} 2",
                    "pilot_proxy_queue_time_count 1",
                    "pilot_proxy_queue_time_sum 0",
                    "pilot_proxy_convergence_time_sum 2",
                    "pilot_proxy_convergence_time_bucket{le=\"1\"} 0",
                    "pilot_proxy_convergence_time_bucket{le=\"3\"} 1",
                    "pilot_proxy_convergence_time_bucket{le=\"+Inf\"} 1",
                    "pilot_total_xds_rejects{type=\"cds\"} 0");

            provider.put(cluster("outbound|9080||productpage.default.svc.cluster.local"));
            ads.push();
            DiscoveryResponse rejected = client.next();
            client.send(nack(rejected, pushed.getVersionInfo(), 3));
            String rejectSeries = "pilot_xds_cds_reject{err=\"InvalidArgument\",node=\"" + node.getId() + "\"} 1";
            awaitSample(rejectSeries);
            assertThat(samples()).contains(
                    "pilot_total_xds_rejects{type=\"cds\"} 1",
                    "pilot_push_triggers{type=\"config\"} 2",
                    "pilot_proxy_convergence_time_count 1");

            client.send(ack(pushed));
            awaitSample("pilot_xds_expired_nonce{type=\"cds\"} 1");

            provider.remove(TypeUrls.CLUSTER, DETAILS);
            ads.push();
            DiscoveryResponse fixed = client.next();
            client.send(ack(fixed));
            awaitSample("pilot_proxy_convergence_time_count 2");
            assertThat(scrape()).doesNotContain("pilot_xds_cds_reject{");

            client.cancel();
            awaitSample("pilot_xds{version=\"1.24.2\"} 0");
        }
    }

    @Test
    void aNackedPushLeavesNoConvergenceSampleAndTheRejectSeriesEndsWithTheStream() {
        try (var client = AdsTestClient.sotw(channel)) {
            client.send(request(TypeUrls.CLUSTER, "", ""));
            DiscoveryResponse initial = client.next();
            client.send(ack(initial));
            provider.put(cluster(DETAILS));
            ads.push();
            DiscoveryResponse pushed = client.next();
            client.send(nack(pushed, initial.getVersionInfo(), 13));
            awaitSample("pilot_xds_cds_reject{err=\"Internal\",node=\"" + node.getId() + "\"} 1");
            assertThat(samples()).contains("pilot_proxy_convergence_time_count 0");

            client.cancel();
            await().untilAsserted(() -> assertThat(scrape()).doesNotContain("pilot_xds_cds_reject{"));
            assertThat(samples()).contains("pilot_total_xds_rejects{type=\"cds\"} 1");
        }
    }

    @Test
    void convergenceWaitsForEveryTypeAPushSent() {
        try (var client = AdsTestClient.sotw(channel)) {
            client.send(request(TypeUrls.CLUSTER, "", ""));
            DiscoveryResponse clusters = client.next();
            client.send(ack(clusters));
            client.send(request(TypeUrls.ENDPOINT, "", "", REVIEWS));
            DiscoveryResponse endpoints = client.next();
            client.send(ack(endpoints, REVIEWS));
            awaitSample("pilot_xds_pushes{type=\"eds\"} 1");

            provider.put(cluster(REVIEWS).toBuilder().setConnectTimeout(
                    com.google.protobuf.Duration.newBuilder().setSeconds(7)).build(),
                    endpoints(REVIEWS, "127.0.0.22", 9080));
            ads.push();
            DiscoveryResponse pushedClusters = client.next();
            DiscoveryResponse pushedEndpoints = client.next();
            assertThat(pushedClusters.getTypeUrl()).isEqualTo(TypeUrls.CLUSTER);
            assertThat(pushedEndpoints.getTypeUrl()).isEqualTo(TypeUrls.ENDPOINT);

            clock.add(Duration.ofMillis(300));
            client.send(ack(pushedClusters));
            await().until(() -> proxies.find(node.getId())
                    .map(proxy -> proxy.types().get(TypeUrls.CLUSTER).ackedVersion())
                    .filter(pushedClusters.getVersionInfo()::equals)
                    .isPresent());
            assertThat(samples()).contains("pilot_xds_pushes{type=\"eds\"} 2",
                    "pilot_proxy_convergence_time_count 0");
            clock.add(Duration.ofMillis(400));
            client.send(ack(pushedEndpoints, REVIEWS));
            awaitSample("pilot_proxy_convergence_time_count 1");
            assertThat(samples()).contains(
                    "pilot_proxy_convergence_time_sum 0.7",
                    "pilot_proxy_convergence_time_bucket{le=\"0.5\"} 0",
                    "pilot_proxy_convergence_time_bucket{le=\"1\"} 1");
        }
    }

    @Test
    void deltaStreamsRecordThePushAndItsAck() {
        try (var client = AdsTestClient.delta(channel)) {
            client.send(DeltaDiscoveryRequest.newBuilder().setNode(node).setTypeUrl(TypeUrls.CLUSTER).build());
            DeltaDiscoveryResponse initial = client.next();
            client.send(DeltaDiscoveryRequest.newBuilder().setTypeUrl(TypeUrls.CLUSTER)
                    .setResponseNonce(initial.getNonce()).build());
            awaitSample("pilot_xds{version=\"1.24.2\"} 1");

            provider.put(cluster(DETAILS));
            ads.push();
            DeltaDiscoveryResponse pushed = client.next();
            assertThat(pushed.getResourcesCount()).isEqualTo(1);
            clock.add(Duration.ofSeconds(4));
            client.send(DeltaDiscoveryRequest.newBuilder().setTypeUrl(TypeUrls.CLUSTER)
                    .setResponseNonce(pushed.getNonce()).build());
            awaitSample("pilot_proxy_convergence_time_count 1");
            assertThat(samples()).contains(
                    "pilot_proxy_convergence_time_sum 4",
                    "pilot_proxy_convergence_time_bucket{le=\"3\"} 0",
                    "pilot_proxy_convergence_time_bucket{le=\"5\"} 1",
                    "pilot_xds_pushes{type=\"cds\"} 2",
                    "pilot_xds_config_size_bytes_count{type=\"cds\"} 2");
            String sizeSum = samples().stream()
                    .filter(line -> line.startsWith("pilot_xds_config_size_bytes_sum{type=\"cds\"} "))
                    .findFirst().orElseThrow();
            assertThat(Long.parseLong(sizeSum.substring(sizeSum.lastIndexOf(' ') + 1)))
                    .isEqualTo(initial.getSerializedSize() + pushed.getSerializedSize());
        }
    }
}
