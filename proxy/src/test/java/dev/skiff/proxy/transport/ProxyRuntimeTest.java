package dev.skiff.proxy.transport;

import dev.skiff.proxy.ProxyRuntime;
import dev.skiff.proxy.ProxyRuntimeOptions;
import dev.skiff.proxy.filter.RequestContext;
import dev.skiff.proxy.filter.ResponseFlag;
import dev.skiff.proxy.model.ProxyConfigSnapshot;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

import static dev.skiff.proxy.transport.TestMesh.ECHO_CLUSTER;
import static dev.skiff.proxy.transport.TestMesh.OUTBOUND;
import static dev.skiff.proxy.transport.TestMesh.REVIEWS;
import static dev.skiff.proxy.transport.TestMesh.REVIEWS_CLUSTER;
import static dev.skiff.proxy.transport.TestMesh.loopback;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

@ExtendWith(NoLeaks.class)
class ProxyRuntimeTest {

    private final ConcurrentLinkedQueue<RequestContext> completed = new ConcurrentLinkedQueue<>();
    private TestBackend backend;
    private ProxyRuntime runtime;
    private InetSocketAddress outbound;
    private InetSocketAddress inbound;

    @BeforeEach
    void start() {
        backend = new TestBackend("backend-a");
        runtime = new ProxyRuntime(ProxyRuntimeOptions.defaults().withEventLoopThreads(2)
                .withRequestListener(completed::add));
        runtime.apply(new TestMesh().inbound("inbound|9080", loopback(0), backend.address()).build("1"));
        inbound = runtime.boundAddress("inbound|9080").orElseThrow();
        runtime.apply(mesh().build("2"));
        outbound = runtime.boundAddress(OUTBOUND).orElseThrow();
    }

    private TestMesh mesh() {
        return new TestMesh().outbound()
                .inbound("inbound|9080", loopback(0), backend.address())
                .endpoints(REVIEWS_CLUSTER, inbound);
    }

    @AfterEach
    void stop() {
        runtime.close();
        backend.close();
    }

    private RequestContext lastCompleted(String listener) {
        await().until(() -> completed.stream().anyMatch(c -> c.listenerName().equals(listener)));
        return completed.stream().filter(c -> c.listenerName().equals(listener)).reduce((a, b) -> b).orElseThrow();
    }

    @Test
    void unchangedListenersStayBound() {
        assertThat(runtime.boundAddress("inbound|9080")).contains(inbound);
        assertThat(runtime.snapshot().version()).isEqualTo("2");
    }

    @Test
    void proxyFormRequestGoesThroughOutboundAndInboundToTheApp() throws Exception {
        HttpClient client = HttpClient.newBuilder().proxy(ProxySelector.of(outbound)).build();
        HttpResponse<String> response = client.send(
                HttpRequest.newBuilder(URI.create("http://" + REVIEWS + ":9080/reviews/1?x=y")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("backend-a /reviews/1?x=y\n");
        assertThat(response.headers().firstValue("x-seen-uri")).contains("/reviews/1?x=y");
        assertThat(response.headers().firstValue("x-seen-host")).contains(REVIEWS + ":9080");
        assertThat(response.headers().firstValue("x-seen-forwarded-proto")).contains("http");
        assertThat(response.headers().firstValue("x-seen-request-id")).hasValueSatisfying(id ->
                assertThat(id).matches("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"));
        RequestContext out = lastCompleted(OUTBOUND);
        assertThat(out.responseCode()).isEqualTo(200);
        assertThat(out.cluster()).isEqualTo(REVIEWS_CLUSTER);
        assertThat(out.routeName()).isEqualTo("default");
        assertThat(out.virtualHost()).isEqualTo(REVIEWS + ":9080");
        assertThat(out.upstreamHost()).isEqualTo(inbound);
        assertThat(out.flagsString()).isEqualTo("-");
        RequestContext in = lastCompleted("inbound|9080");
        assertThat(in.cluster()).isEqualTo("inbound|9080||inbound|9080");
        assertThat(in.requestId()).isEqualTo(out.requestId());
    }

    @Test
    void originFormRequestIsRoutedByHostHeaderAndHopByHopHeadersAreDropped() {
        try (RawHttpClient client = new RawHttpClient(outbound)) {
            client.send("GET /ratings HTTP/1.1\r\nHost: reviews:9080\r\nProxy-Connection: keep-alive\r\n"
                    + "Connection: x-hop\r\nx-hop: secret\r\nx-request-id: given-id\r\n\r\n");
            RawHttpClient.Response response = client.readResponse();
            assertThat(response.status()).isEqualTo(200);
            assertThat(response.body()).isEqualTo("backend-a /ratings\n");
            assertThat(response.header("x-seen-request-id")).isEqualTo("given-id");
            assertThat(response.header("x-seen-proxy-connection")).isNull();
            assertThat(response.header("x-seen-hop")).isNull();
        }
    }

    @Test
    void chunkedBodiesStreamBothWaysAndTheConnectionIsReused() {
        try (RawHttpClient client = new RawHttpClient(outbound)) {
            client.send("POST http://reviews:9080/upload HTTP/1.1\r\nHost: reviews:9080\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\n");
            client.sendChunk("first-part");
            RawHttpClient.Head head = client.readHead();
            assertThat(head.status()).isEqualTo(200);
            assertThat(head.header("transfer-encoding")).isEqualTo("chunked");
            assertThat(client.readChunk()).isEqualTo("backend-a /upload\n");
            assertThat(client.readChunk()).isEqualTo("first-part");
            client.sendChunk("second-part");
            assertThat(client.readChunk()).isEqualTo("second-part");
            client.sendLastChunk();
            assertThat(client.readChunk()).isNull();

            client.send("POST /again HTTP/1.1\r\nHost: reviews:9080\r\nContent-Length: 5\r\n\r\nhello");
            RawHttpClient.Response again = client.readResponse();
            assertThat(again.body()).isEqualTo("backend-a /again\nhello");
        }
        assertThat(backend.connections()).isEqualTo(1);
    }

    @Test
    void keepAliveConnectionsAreReusedUpstream() {
        try (RawHttpClient client = new RawHttpClient(outbound)) {
            for (int i = 0; i < 5; i++) {
                client.send("GET /r" + i + " HTTP/1.1\r\nHost: reviews:9080\r\n\r\n");
                assertThat(client.readResponse().body()).isEqualTo("backend-a /r" + i + "\n");
            }
        }
        for (int i = 0; i < 6; i++) {
            try (RawHttpClient client = new RawHttpClient(outbound)) {
                client.send("GET /fresh HTTP/1.1\r\nHost: reviews:9080\r\n\r\n");
                assertThat(client.readResponse().status()).isEqualTo(200);
            }
        }
        assertThat(backend.requests()).isEqualTo(11);
        assertThat(backend.connections()).isBetween(1, 2);
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrder() {
        try (RawHttpClient client = new RawHttpClient(outbound)) {
            client.send("GET /one HTTP/1.1\r\nHost: reviews:9080\r\n\r\n"
                    + "GET /two HTTP/1.1\r\nHost: nowhere:9080\r\n\r\n"
                    + "GET /three HTTP/1.1\r\nHost: reviews:9080\r\n\r\n");
            assertThat(client.readResponse().body()).isEqualTo("backend-a /one\n");
            assertThat(client.readResponse().status()).isEqualTo(404);
            assertThat(client.readResponse().body()).isEqualTo("backend-a /three\n");
        }
    }

    @Test
    void expectContinueIsAnsweredByTheProxy() {
        try (RawHttpClient client = new RawHttpClient(outbound)) {
            client.send("PUT /put HTTP/1.1\r\nHost: reviews:9080\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n");
            assertThat(client.readHead().status()).isEqualTo(100);
            client.send("data");
            RawHttpClient.Response response = client.readResponse();
            assertThat(response.status()).isEqualTo(200);
            assertThat(response.body()).isEqualTo("backend-a /put\ndata");
        }
    }

    @Test
    void unknownAuthorityIsNoRoute() {
        try (RawHttpClient client = new RawHttpClient(outbound)) {
            client.send("GET http://details:9080/ HTTP/1.1\r\nHost: details:9080\r\n\r\n");
            assertThat(client.readResponse().status()).isEqualTo(404);
            client.send("GET http://reviews:9999/ HTTP/1.1\r\nHost: reviews:9999\r\n\r\n");
            assertThat(client.readResponse().status()).isEqualTo(404);
        }
        RequestContext context = lastCompleted(OUTBOUND);
        assertThat(context.hasFlag(ResponseFlag.NO_ROUTE_FOUND)).isTrue();
        assertThat(context.flagsString()).isEqualTo("NR");
    }

    @Test
    void clusterWithoutEndpointsIsNoHealthyUpstream() {
        runtime.apply(mesh().endpoints(REVIEWS_CLUSTER).build("3"));
        try (RawHttpClient client = new RawHttpClient(outbound)) {
            client.send("GET / HTTP/1.1\r\nHost: reviews:9080\r\n\r\n");
            RawHttpClient.Response response = client.readResponse();
            assertThat(response.status()).isEqualTo(503);
            assertThat(response.body()).isEqualTo("no healthy upstream");
        }
        assertThat(lastCompleted(OUTBOUND).flagsString()).isEqualTo("UH");
    }

    @Test
    void refusedConnectionIsUpstreamConnectFailure() throws IOException {
        // a bound socket that does not listen: connecting is refused and nothing else can take the port
        try (SocketChannel reserved = SocketChannel.open().bind(loopback(0))) {
            refusedConnection(((InetSocketAddress) reserved.getLocalAddress()).getPort());
        }
    }

    private void refusedConnection(int closedPort) {
        runtime.apply(mesh().endpoints(REVIEWS_CLUSTER, loopback(closedPort)).build("3"));
        try (RawHttpClient client = new RawHttpClient(outbound)) {
            client.send("GET / HTTP/1.1\r\nHost: reviews:9080\r\n\r\n");
            RawHttpClient.Response response = client.readResponse();
            assertThat(response.status()).isEqualTo(503);
            assertThat(response.body()).isEqualTo(
                    "upstream connect error or disconnect/reset before headers. reset reason: connection failure");
            client.send("GET / HTTP/1.1\r\nHost: reviews:9080\r\n\r\n");
            assertThat(client.readResponse().status()).isEqualTo(503);
        }
        RequestContext context = lastCompleted(OUTBOUND);
        assertThat(context.flagsString()).isEqualTo("UF");
        assertThat(context.upstreamHost()).isEqualTo(loopback(closedPort));
    }

    @Test
    void upstreamClosingMidResponseIsUpstreamConnectionTermination() {
        try (RawHttpClient client = new RawHttpClient(inbound)) {
            client.send("GET /break HTTP/1.1\r\nHost: app\r\n\r\n");
            RawHttpClient.Head head = client.readHead();
            assertThat(head.status()).isEqualTo(200);
            assertThat(client.readChunk()).isEqualTo("backend-a /break\n");
            assertThat(client.closedByPeer()).isTrue();
        }
        assertThat(lastCompleted("inbound|9080").flagsString()).isEqualTo("UC");
    }

    @Test
    void connectTunnelsToATcpService() {
        try (EchoServer echo = new EchoServer()) {
            runtime.apply(mesh().endpoints(ECHO_CLUSTER, echo.address()).build("3"));
            try (RawHttpClient client = new RawHttpClient(outbound)) {
                client.send("CONNECT " + TestMesh.ECHO + ":7000 HTTP/1.1\r\nHost: " + TestMesh.ECHO + ":7000\r\n\r\n");
                assertThat(client.readHead().status()).isEqualTo(200);
                client.send("ping\n");
                assertThat(client.readLine()).isEqualTo("ping");
                client.send("pong\n");
                assertThat(client.readLine()).isEqualTo("pong");
            }
            RequestContext context = lastCompleted(OUTBOUND);
            assertThat(context.cluster()).isEqualTo(ECHO_CLUSTER);
            assertThat(context.bytesReceived()).isEqualTo(10);
            assertThat(context.bytesSent()).isEqualTo(10);
            assertThat(context.upstreamConnection().localAddress()).as("the tunnel's upstream_local_address")
                    .startsWith("127.0.0.1:");
        }
    }

    @Test
    void bytesSentRightBehindAConnectReachTheTcpService() {
        try (EchoServer echo = new EchoServer()) {
            runtime.apply(mesh().endpoints(ECHO_CLUSTER, echo.address()).build("3"));
            try (RawHttpClient client = new RawHttpClient(outbound)) {
                client.send("CONNECT " + TestMesh.ECHO + ":7000 HTTP/1.1\r\nHost: " + TestMesh.ECHO
                        + ":7000\r\n\r\nearly\n");
                assertThat(client.readHead().status()).isEqualTo(200);
                assertThat(client.readLine()).isEqualTo("early");
                client.send("later\n");
                assertThat(client.readLine()).isEqualTo("later");
            }
            assertThat(lastCompleted(OUTBOUND).bytesReceived()).isEqualTo(12);
        }
    }

    @Test
    void connectToAnUnknownTcpServiceIsNoRoute() {
        try (RawHttpClient client = new RawHttpClient(outbound)) {
            client.send("CONNECT other.default.svc.cluster.local:7000 HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(client.readResponse().status()).isEqualTo(404);
        }
    }

    @Test
    void connectToAnHttpPortRunsTheTunnelledRequestsThroughTheHttpPath() {
        try (RawHttpClient client = new RawHttpClient(outbound)) {
            client.send("CONNECT " + REVIEWS + ":9080 HTTP/1.1\r\nHost: " + REVIEWS + ":9080\r\n\r\n");
            assertThat(client.readHead().status()).isEqualTo(200);
            client.send("GET /tunnelled HTTP/1.1\r\nHost: " + REVIEWS + ":9080\r\n\r\n");
            assertThat(client.readResponse().body()).isEqualTo("backend-a /tunnelled\n");
            client.send("GET /again HTTP/1.1\r\nHost: reviews\r\n\r\n");
            assertThat(client.readResponse().body()).isEqualTo("backend-a /again\n");
        }
    }

    @Test
    void listenerMovesToANewAddressOnApply() {
        runtime.apply(new TestMesh().outbound()
                .inbound("inbound|9080", new InetSocketAddress("127.0.0.2", 0), backend.address())
                .endpoints(REVIEWS_CLUSTER, inbound).build("3"));
        InetSocketAddress moved = runtime.boundAddress("inbound|9080").orElseThrow();
        assertThat(moved.getAddress().getHostAddress()).isEqualTo("127.0.0.2");
        assertThat(runtime.boundAddress(OUTBOUND)).contains(outbound);
        try (RawHttpClient client = new RawHttpClient(moved)) {
            client.send("GET /moved HTTP/1.1\r\nHost: app\r\n\r\n");
            assertThat(client.readResponse().body()).isEqualTo("backend-a /moved\n");
        }
    }

    @Test
    void trafficShiftsToANewListenerWhileRequestsContinue() throws Exception {
        try (TestBackend second = new TestBackend("backend-b")) {
            HttpClient client = HttpClient.newBuilder().proxy(ProxySelector.of(outbound))
                    .connectTimeout(Duration.ofSeconds(5)).build();
            ConcurrentLinkedQueue<String> bodies = new ConcurrentLinkedQueue<>();
            ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
            Thread load = Thread.ofVirtual().start(() -> {
                for (int i = 0; i < 400 && !Thread.currentThread().isInterrupted(); i++) {
                    try {
                        HttpResponse<String> response = client.send(HttpRequest.newBuilder(
                                URI.create("http://reviews:9080/shift")).build(), HttpResponse.BodyHandlers.ofString());
                        bodies.add(response.statusCode() + " " + response.body());
                        if (response.body().startsWith("backend-b") && bodies.size() > 20) {
                            return;
                        }
                    } catch (Exception e) {
                        failures.add(e);
                        return;
                    }
                }
            });
            await().until(() -> bodies.size() >= 5);
            runtime.apply(mesh().inbound("inbound-b", loopback(0), second.address()).build("3"));
            InetSocketAddress inboundB = runtime.boundAddress("inbound-b").orElseThrow();
            ProxyConfigSnapshot shifted = new TestMesh().outbound()
                    .inbound("inbound-b", loopback(0), second.address())
                    .endpoints(REVIEWS_CLUSTER, inboundB).build("4");
            runtime.apply(shifted);
            assertThat(runtime.boundAddress("inbound|9080")).isEmpty();
            assertThat(runtime.boundAddress("inbound-b")).contains(inboundB);
            load.join(Duration.ofSeconds(30));
            assertThat(failures).isEmpty();
            assertThat(bodies).allMatch(body -> body.startsWith("200 backend-"));
            assertThat(bodies).anyMatch(body -> body.startsWith("200 backend-a"));
            assertThat(bodies).anyMatch(body -> body.startsWith("200 backend-b"));
        }
    }

    @Test
    void removedListenersStopAcceptingAndCloseTheirIdleConnections() {
        try (RawHttpClient client = new RawHttpClient(inbound)) {
            client.send("GET /before HTTP/1.1\r\nHost: app\r\n\r\n");
            assertThat(client.readResponse().body()).isEqualTo("backend-a /before\n");
            runtime.apply(new TestMesh().outbound().build("3"));
            assertThat(runtime.boundAddress("inbound|9080")).isEmpty();
            assertThat(client.closedByPeer()).isTrue();
        }
        // the socket is closed once its event loop deregisters it, a moment after apply returns
        await().untilAsserted(() -> assertThatThrownBy(() -> new Socket(inbound.getAddress(), inbound.getPort()).close())
                .isInstanceOf(ConnectException.class));
    }

    @Test
    void aListenerThatCannotBindLeavesThePreviousSnapshotInForce() {
        ProxyConfigSnapshot clash = mesh().listener(new dev.skiff.proxy.model.ListenerSpec("clash",
                backend.address(), dev.skiff.proxy.model.Direction.INBOUND, false, List.of())).build("3");
        assertThatThrownBy(() -> runtime.apply(clash))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("listener clash: cannot bind " + backend.address())
                .hasMessageContaining("(expected: a free local address)");
        assertThat(runtime.snapshot().version()).isEqualTo("2");
        assertThat(runtime.boundAddress("clash")).isEmpty();
    }

    @Test
    void unknownClusterIsNoClusterFound() {
        runtime.apply(new TestMesh().outbound().build("3"));
        try (RawHttpClient client = new RawHttpClient(outbound)) {
            client.send("GET http://reviews:9080/ HTTP/1.1\r\nHost: reviews:9080\r\n\r\n");
            assertThat(client.readResponse().status()).isEqualTo(503);
        }
        // the reviews cluster is declared by outbound(); remove it to see NC
        runtime.apply(new ProxyConfigSnapshot("4", runtime.snapshot().listeners(), runtime.snapshot().routeTables(),
                java.util.Map.of(), java.util.Map.of()));
        try (RawHttpClient client = new RawHttpClient(outbound)) {
            client.send("GET http://reviews:9080/ HTTP/1.1\r\nHost: reviews:9080\r\n\r\n");
            assertThat(client.readResponse().status()).isEqualTo(503);
        }
        assertThat(lastCompleted(OUTBOUND).flagsString()).isEqualTo("NC");
        assertThat(List.of(ResponseFlag.values())).contains(ResponseFlag.NO_CLUSTER_FOUND);
    }
}
