package dev.skiff.controlplane.monitor;

import static dev.skiff.controlplane.xds.server.TestResources.listener;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.Any;
import com.google.rpc.Status;
import dev.skiff.controlplane.xds.TypeUrls;
import dev.skiff.controlplane.xds.server.AdsService;
import dev.skiff.controlplane.xds.server.AdsTestClient;
import dev.skiff.controlplane.xds.server.ConnectedProxies;
import dev.skiff.controlplane.xds.server.InMemoryResourceProvider;
import dev.skiff.controlplane.xds.server.TestResources;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Http2ProtocolOptions;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class MonitoringServerTest {
    static final String GRPC_CLUSTER = "outbound|7070||echo.default.svc.cluster.local";
    static final String TCP_LISTENER = "virtualOutbound";
    static final String HTTP_LISTENER = "echo.default.svc.cluster.local:7070";

    private final InMemoryResourceProvider provider = new InMemoryResourceProvider();
    private final ConnectedProxies proxies = new ConnectedProxies();
    private final AtomicBoolean ready = new AtomicBoolean();
    private final ObjectMapper mapper = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();
    private final Node node = AdsTestClient.sidecarNode("frontend-v1", "shop");
    private AdsService ads;
    private Server grpcServer;
    private ManagedChannel channel;
    private MonitoringServer monitoring;

    @BeforeEach
    void start() throws IOException {
        provider.put(
                TestResources.cluster(GRPC_CLUSTER).toBuilder()
                        .putTypedExtensionProtocolOptions("envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
                                Any.pack(HttpProtocolOptions.newBuilder()
                                        .setExplicitHttpConfig(HttpProtocolOptions.ExplicitHttpConfig.newBuilder()
                                                .setHttp2ProtocolOptions(Http2ProtocolOptions.getDefaultInstance()))
                                        .build()))
                        .build(),
                Listener.newBuilder()
                        .setName(TCP_LISTENER)
                        .addFilterChains(FilterChain.newBuilder()
                                .setName("outbound|5432||db.shop.svc.cluster.local")
                                .addFilters(Filter.newBuilder()
                                        .setName("envoy.filters.network.tcp_proxy")
                                        .setTypedConfig(Any.pack(TcpProxy.newBuilder()
                                                .setStatPrefix("db")
                                                .setCluster("outbound|5432||db.shop.svc.cluster.local")
                                                .build()))))
                        .build(),
                listener(HTTP_LISTENER, HTTP_LISTENER));
        ads = new AdsService(provider, proxies, Clock.systemUTC());
        String name = InProcessServerBuilder.generateName();
        grpcServer = InProcessServerBuilder.forName(name).directExecutor().addService(ads).build().start();
        channel = InProcessChannelBuilder.forName(name).directExecutor().build();
        monitoring = new MonitoringServer(new InetSocketAddress("127.0.0.1", 0), ready::get, proxies).start();
    }

    @AfterEach
    void stop() {
        monitoring.close();
        channel.shutdownNow();
        grpcServer.shutdownNow();
    }

    private HttpResponse<String> get(String pathAndQuery) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(uri(pathAndQuery)).GET().build());
    }

    private HttpResponse<String> send(HttpRequest request) throws IOException, InterruptedException {
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private URI uri(String pathAndQuery) {
        return URI.create("http://127.0.0.1:" + monitoring.port() + pathAndQuery);
    }

    private JsonNode json(HttpResponse<String> response) throws IOException {
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
        return mapper.readTree(response.body());
    }

    @Test
    void readyOnceTheFirstSnapshotIsLoaded() throws Exception {
        HttpResponse<String> before = get("/ready");
        assertThat(before.statusCode()).isEqualTo(503);
        assertThat(before.body()).contains("no configuration snapshot loaded yet");

        ready.set(true);
        HttpResponse<String> after = get("/ready");
        assertThat(after.statusCode()).isEqualTo(200);
        assertThat(after.body()).isEqualTo("ready");
    }

    @Test
    void synczShowsSentAckedAndNackedVersionsPerProxy() throws Exception {
        assertThat(json(get("/debug/syncz")).isArray()).isTrue();
        assertThat(json(get("/debug/syncz"))).isEmpty();

        try (var client = AdsTestClient.sotw(channel)) {
            client.send(DiscoveryRequest.newBuilder().setNode(node).setTypeUrl(TypeUrls.CLUSTER).build());
            DiscoveryResponse clusters = client.next();
            client.send(DiscoveryRequest.newBuilder()
                    .setTypeUrl(TypeUrls.CLUSTER)
                    .setResponseNonce(clusters.getNonce())
                    .setErrorDetail(Status.newBuilder().setCode(3).setMessage("HTTP/2 is not supported here"))
                    .build());
            client.send(DiscoveryRequest.newBuilder().setTypeUrl(TypeUrls.LISTENER).build());
            DiscoveryResponse listeners = client.next();
            client.send(DiscoveryRequest.newBuilder()
                    .setTypeUrl(TypeUrls.LISTENER)
                    .setVersionInfo(listeners.getVersionInfo())
                    .setResponseNonce(listeners.getNonce())
                    .build());
            await().until(() -> listeners.getVersionInfo().equals(
                    proxies.find(node.getId()).orElseThrow().types().get(TypeUrls.LISTENER).ackedVersion()));

            JsonNode syncz = json(get("/debug/syncz"));
            assertThat(syncz).hasSize(1);
            JsonNode proxy = syncz.get(0);
            assertThat(proxy.get("proxyID").asText()).isEqualTo(node.getId());
            assertThat(proxy.get("workload").asText()).isEqualTo("frontend-v1");
            assertThat(proxy.get("namespace").asText()).isEqualTo("shop");
            assertThat(proxy.get("kind").asText()).isEqualTo("SIDECAR");
            assertThat(proxy.get("protocol").asText()).isEqualTo("STATE_OF_THE_WORLD");

            JsonNode cds = proxy.get("cds");
            assertThat(cds.get("sentVersion").asText()).isEqualTo(clusters.getVersionInfo());
            assertThat(cds.get("sentNonce").asText()).isEqualTo(clusters.getNonce());
            assertThat(cds.get("ackedVersion").isNull()).isTrue();
            assertThat(cds.get("lastNack").get("message").asText()).isEqualTo("HTTP/2 is not supported here");
            assertThat(cds.get("lastNack").get("version").asText()).isEqualTo(clusters.getVersionInfo());
            assertThat(cds.get("lastNack").get("nonce").asText()).isEqualTo(clusters.getNonce());

            JsonNode lds = proxy.get("lds");
            assertThat(lds.get("ackedVersion").asText()).isEqualTo(listeners.getVersionInfo());
            assertThat(lds.get("lastNack").isNull()).isTrue();
            assertThat(proxy.get("eds").isNull()).as("never subscribed").isTrue();
        }
    }

    @Test
    void configDumpPrintsWhatTheProxyWasSentAsEnvoyJson() throws Exception {
        try (var client = AdsTestClient.sotw(channel)) {
            client.send(DiscoveryRequest.newBuilder().setNode(node).setTypeUrl(TypeUrls.CLUSTER).build());
            DiscoveryResponse clusters = client.next();
            client.send(DiscoveryRequest.newBuilder().setTypeUrl(TypeUrls.LISTENER).build());
            client.next();

            HttpResponse<String> response = get("/debug/config_dump?proxyID="
                    + URLEncoder.encode(node.getId(), StandardCharsets.UTF_8));
            assertThat(response.statusCode()).isEqualTo(200);
            JsonNode dump = json(response);
            assertThat(dump.get("proxyID").asText()).isEqualTo(node.getId());
            JsonNode configs = dump.get("configs");
            assertThat(configs).hasSize(2);

            JsonNode cds = configs.get(0);
            assertThat(cds.get("typeUrl").asText()).isEqualTo(TypeUrls.CLUSTER);
            assertThat(cds.get("versionInfo").asText()).isEqualTo(clusters.getVersionInfo());
            JsonNode cluster = cds.get("resources").get(0);
            assertThat(cluster.get("name").asText()).isEqualTo(GRPC_CLUSTER);
            assertThat(cluster.get("version").asText()).isEqualTo(provider.get(TypeUrls.CLUSTER, GRPC_CLUSTER).version());
            JsonNode clusterJson = cluster.get("resource");
            assertThat(clusterJson.get("@type").asText()).isEqualTo(TypeUrls.CLUSTER);
            assertThat(clusterJson.get("name").asText()).isEqualTo(GRPC_CLUSTER);
            assertThat(clusterJson.get("type").asText()).isEqualTo(Cluster.DiscoveryType.EDS.name());
            assertThat(clusterJson.get("typed_extension_protocol_options")
                    .get("envoy.extensions.upstreams.http.v3.HttpProtocolOptions")
                    .get("explicit_http_config").has("http2_protocol_options")).isTrue();

            JsonNode lds = configs.get(1);
            assertThat(lds.get("typeUrl").asText()).isEqualTo(TypeUrls.LISTENER);
            assertThat(lds.get("resources").findValuesAsText("name")).contains(TCP_LISTENER, HTTP_LISTENER);
            String ldsText = lds.toString();
            assertThat(ldsText).contains("type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy");
            assertThat(ldsText).contains(
                    "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3."
                            + "HttpConnectionManager");
            assertThat(ldsText).contains("type.googleapis.com/envoy.extensions.filters.http.router.v3.Router");
            assertThat(lds.findValues("error")).as("every resource printed").isEmpty();
        }
    }

    @Test
    void aResourceThatCannotBePrintedIsReportedInPlace() throws Exception {
        provider.put(Cluster.newBuilder()
                .setName("outbound|1||odd.default.svc.cluster.local")
                .setTransportSocket(TransportSocket.newBuilder()
                        .setName("odd")
                        .setTypedConfig(Any.pack(HealthCheckRequest.newBuilder().setService("not envoy").build())))
                .build());
        try (var client = AdsTestClient.sotw(channel)) {
            client.send(DiscoveryRequest.newBuilder().setNode(node).setTypeUrl(TypeUrls.CLUSTER).build());
            client.next();
            HttpResponse<String> response = get("/debug/config_dump?proxyID="
                    + URLEncoder.encode(node.getId(), StandardCharsets.UTF_8));
            assertThat(response.statusCode()).isEqualTo(200);
            JsonNode resources = json(response).get("configs").get(0).get("resources");
            assertThat(resources).hasSize(2);
            for (JsonNode resource : resources) {
                if (resource.get("name").asText().equals(GRPC_CLUSTER)) {
                    assertThat(resource.has("resource")).isTrue();
                } else {
                    assertThat(resource.get("error").asText()).contains("cannot print " + TypeUrls.CLUSTER)
                            .contains("grpc.health.v1.HealthCheckRequest");
                }
            }
        }
    }

    @Test
    void configDumpOfAnUnknownProxyIsNotFound() throws Exception {
        HttpResponse<String> unknown = get("/debug/config_dump?proxyID=sidecar~127.0.0.9~ghost.shop~shop.svc.cluster.local");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(unknown.body()).contains("no connected proxy with id 'sidecar~127.0.0.9~ghost.shop~shop.svc.cluster.local'");

        HttpResponse<String> missing = get("/debug/config_dump");
        assertThat(missing.statusCode()).isEqualTo(400);
        assertThat(missing.body()).contains("missing query parameter proxyID");
    }

    @Test
    void otherPathsAreNotFoundAndOtherMethodsNotAllowed() throws Exception {
        HttpResponse<String> notFound = get("/debug/nothing");
        assertThat(notFound.statusCode()).isEqualTo(404);
        assertThat(notFound.body()).contains("no such endpoint: /debug/nothing");

        HttpResponse<String> post = send(HttpRequest.newBuilder(uri("/ready"))
                .POST(HttpRequest.BodyPublishers.ofString("ready?")).build());
        assertThat(post.statusCode()).isEqualTo(405);
        assertThat(post.headers().firstValue("Allow")).hasValue("GET");
        assertThat(post.body()).contains("POST is not allowed on /ready (expected GET)");

        HttpResponse<String> delete = send(HttpRequest.newBuilder(uri("/debug/syncz")).DELETE().build());
        assertThat(delete.statusCode()).isEqualTo(405);
    }

    @Test
    void disconnectedProxiesDisappearFromSyncz() throws Exception {
        var client = AdsTestClient.sotw(channel);
        client.send(DiscoveryRequest.newBuilder().setNode(node).setTypeUrl(TypeUrls.CLUSTER).build());
        client.next();
        assertThat(json(get("/debug/syncz"))).hasSize(1);
        client.cancel();
        await().until(() -> json(get("/debug/syncz")).isEmpty());
        assertThat(get("/debug/config_dump?proxyID=" + URLEncoder.encode(node.getId(), StandardCharsets.UTF_8))
                .statusCode()).isEqualTo(404);
    }
}
