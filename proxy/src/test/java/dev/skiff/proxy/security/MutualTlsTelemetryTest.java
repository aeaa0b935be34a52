package dev.skiff.proxy.security;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.skiff.proxy.ProxyRuntime;
import dev.skiff.proxy.ProxyRuntimeOptions;
import dev.skiff.proxy.model.Direction;
import dev.skiff.proxy.model.DownstreamTlsSpec;
import dev.skiff.proxy.model.Endpoint;
import dev.skiff.proxy.model.EndpointSet;
import dev.skiff.proxy.model.FilterChainSpec;
import dev.skiff.proxy.model.HttpConnectionManagerSpec;
import dev.skiff.proxy.model.ListenerSpec;
import dev.skiff.proxy.model.ProxyConfigSnapshot;
import dev.skiff.proxy.model.Route;
import dev.skiff.proxy.model.RouteAction;
import dev.skiff.proxy.model.RouteMatch;
import dev.skiff.proxy.model.RouteTable;
import dev.skiff.proxy.model.TransportSocketMatch;
import dev.skiff.proxy.model.UpstreamTlsSpec;
import dev.skiff.proxy.model.UpstreamTransport;
import dev.skiff.proxy.model.VirtualHost;
import dev.skiff.proxy.telemetry.IstioMetrics;
import dev.skiff.proxy.telemetry.IstioTelemetry;
import dev.skiff.proxy.telemetry.WorkloadMetadata;
import dev.skiff.proxy.telemetry.accesslog.AccessLog;
import dev.skiff.proxy.transport.NoLeaks;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.skiff.proxy.security.SidecarFixtures.cluster;
import static dev.skiff.proxy.security.SidecarFixtures.lastLine;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Istio's security labels between two sidecars speaking mutual TLS: the server's sidecar reports
 * {@code connection_security_policy="mutual_tls"} with both SPIFFE identities from the session's certificates, the
 * client's sidecar the same identities from its upstream connection; a plaintext request on a permissive port
 * reports {@code none}. The access logs of both carry the connections' addresses, the SNI, and the reason of a
 * failed upstream handshake.
 */
@ExtendWith(NoLeaks.class)
class MutualTlsTelemetryTest {

    private static final String REVIEWS_ID = "spiffe://cluster.local/ns/default/sa/reviews";
    private static final String PRODUCTPAGE_ID = "spiffe://cluster.local/ns/default/sa/productpage";
    private static final String HOST = "reviews.default.svc.cluster.local";
    private static final String OUTBOUND_CLUSTER = "outbound|9080||" + HOST;
    private static final String INBOUND_CLUSTER = "inbound|9080||";
    /** A service whose expected identity the server's certificate does not have: its handshakes fail. */
    private static final String MISNAMED_HOST = "ratings.default.svc.cluster.local";
    private static final String MISNAMED_CLUSTER = "outbound|9080||" + MISNAMED_HOST;
    /**
     * A service reached with a plain host name as SNI, as a DestinationRule's {@code tls.sni} sets it (Istio's own
     * {@code outbound_.9080_._.<host>} names are covered by {@link IstioServerNameTest}).
     */
    private static final String NAMED_HOST = "details.default.svc.cluster.local";
    private static final String NAMED_CLUSTER = "outbound|9080||" + NAMED_HOST;

    private final TestCa serverCa = new TestCa(REVIEWS_ID, Clock.systemUTC(), Duration.ofHours(1));
    private final TestCa clientCa = serverCa.forIdentity(PRODUCTPAGE_ID);
    private final TlsContexts serverTls = new TlsContexts();
    private final TlsContexts clientTls = new TlsContexts();
    private final IstioMetrics serverMetrics = new IstioMetrics();
    private final IstioMetrics clientMetrics = new IstioMetrics();
    private final ByteArrayOutputStream serverLog = new ByteArrayOutputStream();
    private final ByteArrayOutputStream clientLog = new ByteArrayOutputStream();
    private AccessLog serverAccessLog;
    private AccessLog clientAccessLog;
    private HttpServer backend;
    private ProxyRuntime server;
    private ProxyRuntime client;
    private HttpClient viaClientSidecar;
    private HttpClient direct;

    @BeforeEach
    void setUp() throws Exception {
        backend = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        backend.createContext("/", exchange -> {
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        backend.start();
        serverTls.update(serverCa.workloadCertificate());
        clientTls.update(clientCa.workloadCertificate());
        serverAccessLog = new AccessLog(new IstioTelemetry(serverMetrics, new WorkloadMetadata("reviews-v1",
                "default", "reviews-v1", Map.of("app", "reviews", "version", "v1"), "Kubernetes"), "sidecar~reviews"),
                serverLog, AccessLog.DEFAULT_CAPACITY);
        clientAccessLog = new AccessLog(new IstioTelemetry(clientMetrics, new WorkloadMetadata("productpage-v1",
                "default", "productpage-v1", Map.of("app", "productpage", "version", "v1"), "Kubernetes"),
                "sidecar~productpage"), clientLog, AccessLog.DEFAULT_CAPACITY);
        server = new ProxyRuntime(ProxyRuntimeOptions.defaults().withEventLoopThreads(1)
                .withRequestListener(serverAccessLog), serverTls, serverTls);
        client = new ProxyRuntime(ProxyRuntimeOptions.defaults().withEventLoopThreads(1)
                .withRequestListener(clientAccessLog), clientTls, clientTls);
        DownstreamTlsSpec istioMutual = new DownstreamTlsSpec(SecretNames.DEFAULT, SecretNames.ROOTCA, true,
                List.of("istio", "http/1.1"), List.of());
        RouteTable inboundRoutes = new RouteTable("inbound|9080", List.of(new VirtualHost("inbound|http|9080",
                List.of("*"), List.of(new Route("default", RouteMatch.any(), RouteAction.cluster(INBOUND_CLUSTER))))));
        server.apply(new ProxyConfigSnapshot("1", List.of(new ListenerSpec("inbound|9080",
                new InetSocketAddress("127.0.0.1", 0), Direction.INBOUND, false, List.of(
                        new FilterChainSpec("tls", 0, Set.of(), HttpConnectionManagerSpec.inline(inboundRoutes),
                                FilterChainSpec.TLS, istioMutual),
                        new FilterChainSpec("plaintext", 0, Set.of(), HttpConnectionManagerSpec.inline(inboundRoutes),
                                FilterChainSpec.RAW_BUFFER, null)))),
                Map.of(), Map.of(INBOUND_CLUSTER, cluster(INBOUND_CLUSTER, true, UpstreamTransport.PLAINTEXT)),
                Map.of(INBOUND_CLUSTER, new EndpointSet(INBOUND_CLUSTER, List.of(new Endpoint(backend.getAddress()))))));
        InetSocketAddress inbound = server.boundAddress("inbound|9080").orElseThrow();

        UpstreamTlsSpec upstreamMutual = new UpstreamTlsSpec("outbound_.9080_._." + HOST, List.of("istio", "http/1.1"),
                SecretNames.DEFAULT, SecretNames.ROOTCA, List.of(REVIEWS_ID), false);
        UpstreamTransport autoMtls = new UpstreamTransport(null, List.of(
                new TransportSocketMatch("tlsMode-istio", Map.of("tlsMode", "istio"), upstreamMutual),
                new TransportSocketMatch("tlsMode-disabled", Map.of(), null)));
        UpstreamTlsSpec misnamed = new UpstreamTlsSpec("outbound_.9080_._." + MISNAMED_HOST, List.of("istio"),
                SecretNames.DEFAULT, SecretNames.ROOTCA, List.of("spiffe://cluster.local/ns/default/sa/ratings"), false);
        RouteTable outboundRoutes = new RouteTable("9080", List.of(new VirtualHost(HOST + ":9080",
                List.of(HOST, HOST + ":9080"),
                List.of(new Route("default", RouteMatch.prefix("/"), RouteAction.cluster(OUTBOUND_CLUSTER)))),
                new VirtualHost(MISNAMED_HOST + ":9080", List.of(MISNAMED_HOST, MISNAMED_HOST + ":9080"),
                        List.of(new Route("default", RouteMatch.prefix("/"), RouteAction.cluster(MISNAMED_CLUSTER)))),
                new VirtualHost(NAMED_HOST + ":9080", List.of(NAMED_HOST, NAMED_HOST + ":9080"),
                        List.of(new Route("default", RouteMatch.prefix("/"), RouteAction.cluster(NAMED_CLUSTER))))));
        UpstreamTlsSpec named = new UpstreamTlsSpec(NAMED_HOST, List.of("istio", "http/1.1"), SecretNames.DEFAULT,
                SecretNames.ROOTCA, List.of(REVIEWS_ID), false);
        client.apply(new ProxyConfigSnapshot("1", List.of(new ListenerSpec("virtualOutbound",
                new InetSocketAddress("127.0.0.1", 0), Direction.OUTBOUND, false,
                List.of(new FilterChainSpec("9080", 9080, HttpConnectionManagerSpec.rds("9080"))))),
                Map.of("9080", outboundRoutes), Map.of(OUTBOUND_CLUSTER, cluster(OUTBOUND_CLUSTER, false, autoMtls),
                        MISNAMED_CLUSTER, cluster(MISNAMED_CLUSTER, false, new UpstreamTransport(misnamed, List.of())),
                        NAMED_CLUSTER, cluster(NAMED_CLUSTER, false, new UpstreamTransport(named, List.of()))),
                Map.of(OUTBOUND_CLUSTER, new EndpointSet(OUTBOUND_CLUSTER, List.of(
                        new Endpoint(inbound, 1, "", Map.of("tlsMode", "istio")))),
                        MISNAMED_CLUSTER, new EndpointSet(MISNAMED_CLUSTER, List.of(new Endpoint(inbound))),
                        NAMED_CLUSTER, new EndpointSet(NAMED_CLUSTER, List.of(new Endpoint(inbound))))));
        viaClientSidecar = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .proxy(ProxySelector.of(client.boundAddress("virtualOutbound").orElseThrow())).build();
        direct = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    }

    @AfterEach
    void tearDown() {
        viaClientSidecar.close();
        direct.close();
        client.close();
        server.close();
        clientAccessLog.close();
        serverAccessLog.close();
        backend.stop(0);
    }

    @Test
    void mutualTlsRequestsCarryBothPrincipalsAndPlaintextOnesNone() throws Exception {
        for (int i = 0; i < 3; i++) {
            HttpResponse<Void> response = viaClientSidecar.send(HttpRequest.newBuilder(
                    URI.create("http://" + HOST + ":9080/reviews/" + i)).build(), HttpResponse.BodyHandlers.discarding());
            assertThat(response.statusCode()).isEqualTo(204);
        }
        InetSocketAddress inbound = server.boundAddress("inbound|9080").orElseThrow();
        assertThat(direct.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + inbound.getPort() + "/"))
                .build(), HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(204);

        await().untilAsserted(() -> {
            List<String> lines = series(serverMetrics.scrape());
            assertThat(lines).hasSize(2);
            assertThat(lines).anySatisfy(line -> assertThat(line).contains(
                    "connection_security_policy=\"mutual_tls\"", "source_principal=\"" + PRODUCTPAGE_ID + "\"",
                    "destination_principal=\"" + REVIEWS_ID + "\"", "source_workload=\"productpage-v1\"",
                    "reporter=\"destination\"").endsWith(" 3"));
            assertThat(lines).anySatisfy(line -> assertThat(line).contains("connection_security_policy=\"none\"",
                    "source_principal=\"unknown\"", "destination_principal=\"unknown\"",
                    "source_workload=\"unknown\"").endsWith(" 1"));
            assertThat(series(clientMetrics.scrape())).singleElement().asString().contains(
                    "reporter=\"source\"", "connection_security_policy=\"unknown\"",
                    "source_principal=\"" + PRODUCTPAGE_ID + "\"", "destination_principal=\"" + REVIEWS_ID + "\"",
                    "destination_workload=\"reviews-v1\"").endsWith(" 3");
        });
    }

    @Test
    void accessLogsCarryTheConnectionsAddressesAndServerName() throws Exception {
        HttpResponse<Void> response = viaClientSidecar.send(HttpRequest.newBuilder(
                URI.create("http://" + NAMED_HOST + ":9080/logged")).build(), HttpResponse.BodyHandlers.discarding());
        assertThat(response.statusCode()).isEqualTo(204);
        InetSocketAddress inbound = server.boundAddress("inbound|9080").orElseThrow();
        InetSocketAddress outbound = client.boundAddress("virtualOutbound").orElseThrow();

        await().untilAsserted(() -> {
            JsonNode served = lastLine(serverLog);
            assertThat(served.get("downstream_local_address").asText()).isEqualTo("127.0.0.1:" + inbound.getPort());
            assertThat(served.get("requested_server_name").asText()).isEqualTo(NAMED_HOST);
            assertThat(served.get("upstream_local_address").asText()).matches("127\\.0\\.0\\.1:\\d+");
            JsonNode sent = lastLine(clientLog);
            assertThat(sent.get("downstream_local_address").asText()).isEqualTo("127.0.0.1:" + outbound.getPort());
            assertThat(sent.get("requested_server_name").isNull()).as("plaintext from the application").isTrue();
            assertThat(sent.get("upstream_local_address").asText())
                    .isEqualTo(served.get("downstream_remote_address").asText());
            assertThat(sent.get("upstream_transport_failure_reason").isNull()).isTrue();
        });
    }

    @Test
    void aFailedUpstreamHandshakeIsLoggedWithItsReason() throws Exception {
        HttpResponse<Void> response = viaClientSidecar.send(HttpRequest.newBuilder(
                URI.create("http://" + MISNAMED_HOST + ":9080/")).build(), HttpResponse.BodyHandlers.discarding());
        assertThat(response.statusCode()).isEqualTo(503);

        await().untilAsserted(() -> {
            JsonNode sent = lastLine(clientLog);
            assertThat(sent.get("response_flags").asText()).isEqualTo("UF");
            assertThat(sent.get("upstream_transport_failure_reason").asText())
                    .startsWith("TLS_error:|").endsWith(":TLS_error_end");
            assertThat(sent.get("upstream_local_address").isNull()).isTrue();
        });
    }

    private static List<String> series(String exposition) {
        return Arrays.stream(exposition.split("\n")).filter(l -> l.startsWith("istio_requests_total{")).toList();
    }
}
