package dev.skiff.proxy.security;

import com.sun.net.httpserver.HttpServer;
import dev.skiff.proxy.ProxyRuntime;
import dev.skiff.proxy.ProxyRuntimeOptions;
import dev.skiff.proxy.filter.RequestContext;
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
import dev.skiff.proxy.model.TcpProxySpec;
import dev.skiff.proxy.model.TransportSocketMatch;
import dev.skiff.proxy.model.UpstreamTlsSpec;
import dev.skiff.proxy.model.UpstreamTransport;
import dev.skiff.proxy.model.VirtualHost;
import dev.skiff.proxy.telemetry.TlsPrincipals;
import dev.skiff.proxy.transport.NoLeaks;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import io.netty.handler.ssl.SslProvider;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;

import static dev.skiff.proxy.security.SidecarFixtures.cluster;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** Two proxies on loopback speaking Istio mutual TLS to each other with SDS-named secrets. */
@ExtendWith(NoLeaks.class)
class MutualTlsRuntimeTest {

    private static final String REVIEWS_ID = "spiffe://cluster.local/ns/default/sa/reviews";
    private static final String PRODUCTPAGE_ID = "spiffe://cluster.local/ns/default/sa/productpage";
    private static final String HOST = "reviews.default.svc.cluster.local";
    private static final String OUTBOUND_CLUSTER = "outbound|9080||" + HOST;
    private static final String INBOUND_CLUSTER = "inbound|9080||";
    private static final DownstreamTlsSpec ISTIO_MUTUAL_SERVER = new DownstreamTlsSpec(SecretNames.DEFAULT,
            SecretNames.ROOTCA, true, List.of("h2", "http/1.1"), List.of());

    private final TestCa serverCa = new TestCa(REVIEWS_ID, Clock.systemUTC(), Duration.ofHours(1));
    private final TestCa clientCa = serverCa.forIdentity(PRODUCTPAGE_ID);
    private final TlsContexts serverTls = new TlsContexts();
    private final TlsContexts clientTls = new TlsContexts();
    private final ConcurrentLinkedQueue<RequestContext> serverCompleted = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<RequestContext> clientCompleted = new ConcurrentLinkedQueue<>();
    private HttpServer backend;
    private ProxyRuntime server;
    private ProxyRuntime client;
    private HttpClient viaClientSidecar;
    private HttpClient direct;

    @BeforeEach
    void setUp() throws Exception {
        backend = SidecarFixtures.startBackend();
        serverTls.update(serverCa.workloadCertificate());
        clientTls.update(clientCa.workloadCertificate());
        server = new ProxyRuntime(ProxyRuntimeOptions.defaults().withEventLoopThreads(1)
                .withRequestListener(serverCompleted::add), serverTls, serverTls);
        client = new ProxyRuntime(ProxyRuntimeOptions.defaults().withEventLoopThreads(1)
                .withRequestListener(clientCompleted::add), clientTls, clientTls);
        direct = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    }

    @AfterEach
    void tearDown() {
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.close();
        }
        backend.stop(0);
        direct.close();
        if (viaClientSidecar != null) {
            viaClientSidecar.close();
        }
    }

    private void serve(List<FilterChainSpec> inboundChains, List<String> expectedServerSans) {
        String bound = "inbound|9080";
        RouteTable inboundRoutes = new RouteTable(bound, List.of(new VirtualHost("inbound|http|9080", List.of("*"),
                List.of(new Route("default", RouteMatch.any(), RouteAction.cluster(INBOUND_CLUSTER))))));
        server.apply(new ProxyConfigSnapshot("1", List.of(new ListenerSpec(bound,
                new InetSocketAddress("127.0.0.1", 0), Direction.INBOUND, false, inboundChains.stream()
                .map(chain -> new FilterChainSpec(chain.name(), 0, Set.of(), HttpConnectionManagerSpec.inline(
                        inboundRoutes), chain.transportProtocol(), chain.tls())).toList())),
                Map.of(), Map.of(INBOUND_CLUSTER, cluster(INBOUND_CLUSTER, true, UpstreamTransport.PLAINTEXT)),
                Map.of(INBOUND_CLUSTER, new EndpointSet(INBOUND_CLUSTER, List.of(new Endpoint(backend.getAddress()))))));
        InetSocketAddress inbound = server.boundAddress(bound).orElseThrow();

        UpstreamTlsSpec istioMutual = new UpstreamTlsSpec("outbound_.9080_._." + HOST, List.of("istio", "http/1.1"),
                SecretNames.DEFAULT, SecretNames.ROOTCA, expectedServerSans, false);
        UpstreamTransport autoMtls = new UpstreamTransport(null, List.of(
                new TransportSocketMatch("tlsMode-istio", Map.of("tlsMode", "istio"), istioMutual),
                new TransportSocketMatch("tlsMode-disabled", Map.of(), null)));
        RouteTable outboundRoutes = new RouteTable("9080", List.of(new VirtualHost(HOST + ":9080",
                List.of(HOST, HOST + ":9080"),
                List.of(new Route("default", RouteMatch.prefix("/"), RouteAction.cluster(OUTBOUND_CLUSTER))))));
        client.apply(new ProxyConfigSnapshot("1", List.of(new ListenerSpec("virtualOutbound",
                new InetSocketAddress("127.0.0.1", 0), Direction.OUTBOUND, false,
                List.of(new FilterChainSpec("9080", 9080, HttpConnectionManagerSpec.rds("9080"))))),
                Map.of("9080", outboundRoutes), Map.of(OUTBOUND_CLUSTER, cluster(OUTBOUND_CLUSTER, false, autoMtls)),
                Map.of(OUTBOUND_CLUSTER, new EndpointSet(OUTBOUND_CLUSTER, List.of(
                        new Endpoint(inbound, 1, "", Map.of("tlsMode", "istio")))))));
        viaClientSidecar = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .proxy(ProxySelector.of(client.boundAddress("virtualOutbound").orElseThrow())).build();
    }

    private static FilterChainSpec chain(String name, String transportProtocol, DownstreamTlsSpec tls) {
        return new FilterChainSpec(name, 0, Set.of(), HttpConnectionManagerSpec.rds("unused"), transportProtocol,
                tls);
    }

    private HttpResponse<String> throughSidecar() throws IOException, InterruptedException {
        return viaClientSidecar.send(HttpRequest.newBuilder(URI.create("http://" + HOST + ":9080/reviews/1")).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> plaintextToInbound() throws IOException, InterruptedException {
        InetSocketAddress inbound = server.boundAddress("inbound|9080").orElseThrow();
        return direct.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + inbound.getPort() + "/")).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void strictInboundServesMutualTlsAndRefusesPlaintext() throws Exception {
        serve(List.of(chain("tls", FilterChainSpec.TLS, ISTIO_MUTUAL_SERVER)), List.of(REVIEWS_ID));

        HttpResponse<String> response = throughSidecar();
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo(SidecarFixtures.BACKEND_BODY);
        assertThatThrownBy(this::plaintextToInbound).isInstanceOf(IOException.class);
    }

    @Test
    void permissiveInboundServesBothOnOnePort() throws Exception {
        serve(List.of(chain("tls", FilterChainSpec.TLS, ISTIO_MUTUAL_SERVER),
                chain("plaintext", FilterChainSpec.RAW_BUFFER, null)), List.of(REVIEWS_ID));

        assertThat(throughSidecar().statusCode()).isEqualTo(200);
        assertThat(plaintextToInbound().body()).isEqualTo(SidecarFixtures.BACKEND_BODY);
    }

    @Test
    void serverWithAnUnexpectedIdentityIsAConnectionFailure() throws Exception {
        serve(List.of(chain("tls", FilterChainSpec.TLS, ISTIO_MUTUAL_SERVER)),
                List.of("spiffe://cluster.local/ns/default/sa/ratings"));

        HttpResponse<String> response = throughSidecar();
        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(response.body()).contains("connection failure");
    }

    @Test
    void clientFromAnotherRootIsRefused() throws Exception {
        serve(List.of(chain("tls", FilterChainSpec.TLS, ISTIO_MUTUAL_SERVER)), List.of(REVIEWS_ID));
        clientTls.update(new TestCa(PRODUCTPAGE_ID, Clock.systemUTC(), Duration.ofHours(1)).workloadCertificate());

        assertThat(throughSidecar().statusCode()).isEqualTo(503);
    }

    @Test
    void tcpProxyingSpeaksMutualTlsBetweenTheSidecars() throws Exception {
        try (ServerSocket echo = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread.ofVirtual().start(() -> {
                try (Socket accepted = echo.accept()) {
                    accepted.getInputStream().transferTo(accepted.getOutputStream());
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            String inboundTcp = "inbound|7000||";
            server.apply(new ProxyConfigSnapshot("1", List.of(new ListenerSpec("inbound|7000",
                    new InetSocketAddress("127.0.0.1", 0), Direction.INBOUND, false, List.of(new FilterChainSpec(
                    "tls", 0, Set.of(), TcpProxySpec.of(inboundTcp), FilterChainSpec.TLS, ISTIO_MUTUAL_SERVER)))),
                    Map.of(), Map.of(inboundTcp, cluster(inboundTcp, true, UpstreamTransport.PLAINTEXT)),
                    Map.of(inboundTcp, new EndpointSet(inboundTcp, List.of(new Endpoint(
                            (InetSocketAddress) echo.getLocalSocketAddress()))))));
            String outboundTcp = "outbound|7000||echo.default.svc.cluster.local";
            UpstreamTlsSpec istioMutual = new UpstreamTlsSpec("", List.of("istio"), SecretNames.DEFAULT,
                    SecretNames.ROOTCA, List.of(REVIEWS_ID), false);
            client.apply(new ProxyConfigSnapshot("1", List.of(new ListenerSpec("tcp", new InetSocketAddress(
                    "127.0.0.1", 0), Direction.INBOUND, false, List.of(new FilterChainSpec(outboundTcp, 0,
                    TcpProxySpec.of(outboundTcp))))), Map.of(), Map.of(outboundTcp, cluster(outboundTcp, false,
                    new UpstreamTransport(istioMutual, List.of()))), Map.of(outboundTcp, new EndpointSet(outboundTcp,
                    List.of(new Endpoint(server.boundAddress("inbound|7000").orElseThrow()))))));

            try (Socket socket = new Socket()) {
                socket.connect(client.boundAddress("tcp").orElseThrow(), 2000);
                socket.setSoTimeout(5000);
                byte[] ping = "ping over mutual TLS".getBytes(StandardCharsets.UTF_8);
                socket.getOutputStream().write(ping);
                assertThat(new String(socket.getInputStream().readNBytes(ping.length), StandardCharsets.UTF_8))
                        .isEqualTo("ping over mutual TLS");
            }
            InetSocketAddress inbound = server.boundAddress("inbound|7000").orElseThrow();
            await().untilAsserted(() -> {
                assertThat(serverCompleted).singleElement().satisfies(served -> {
                    assertThat(served.downstreamConnection().localAddress())
                            .isEqualTo("127.0.0.1:" + inbound.getPort());
                    assertThat(served.downstreamConnection().principals())
                            .isEqualTo(new TlsPrincipals(PRODUCTPAGE_ID, REVIEWS_ID));
                });
                assertThat(clientCompleted).singleElement().satisfies(sent -> assertThat(
                        sent.upstreamConnection().mutualPrincipals()).as("the server's and the client's identities")
                        .isEqualTo(new TlsPrincipals(REVIEWS_ID, PRODUCTPAGE_ID)));
            });
        }
    }

    @Test
    void jdkProviderServesMutualTlsToo() throws Exception {
        server.close();
        TlsContexts jdk = new TlsContexts(SslProvider.JDK);
        jdk.update(serverCa.workloadCertificate());
        server = new ProxyRuntime(ProxyRuntimeOptions.defaults().withEventLoopThreads(1), jdk, jdk);
        serve(List.of(chain("tls", FilterChainSpec.TLS, ISTIO_MUTUAL_SERVER)), List.of(REVIEWS_ID));

        assertThat(throughSidecar().statusCode()).isEqualTo(200);
    }

    @Test
    void certificatesRotateWithoutAFailedRequest() throws Exception {
        serve(List.of(chain("tls", FilterChainSpec.TLS, ISTIO_MUTUAL_SERVER)), List.of(REVIEWS_ID));
        WorkloadCertificate firstServer = serverTls.certificate();

        for (int i = 0; i < 60; i++) {
            if (i % 10 == 5) {
                serverTls.update(serverCa.workloadCertificate());
                clientTls.update(clientCa.workloadCertificate());
            }
            assertThat(throughSidecar().statusCode()).isEqualTo(200);
        }
        assertThat(serverTls.certificate()).isNotSameAs(firstServer);
    }
}
