package dev.skiff.proxy.transport;

import dev.skiff.proxy.ProxyRuntime;
import dev.skiff.proxy.ProxyRuntimeOptions;
import dev.skiff.proxy.filter.RequestContext;
import dev.skiff.proxy.model.Direction;
import dev.skiff.proxy.model.FilterChainSpec;
import dev.skiff.proxy.model.ListenerSpec;
import dev.skiff.proxy.model.TcpProxySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

import static dev.skiff.proxy.transport.TestMesh.OUTBOUND;
import static dev.skiff.proxy.transport.TestMesh.REVIEWS_CLUSTER;
import static dev.skiff.proxy.transport.TestMesh.loopback;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

@ExtendWith(NoLeaks.class)
class TunnelsAndUpgradesTest {

    private final ConcurrentLinkedQueue<RequestContext> completed = new ConcurrentLinkedQueue<>();
    private TestBackend backend;
    private EchoServer echo;
    private ProxyRuntime runtime;
    private InetSocketAddress outbound;
    private InetSocketAddress inbound;

    @BeforeEach
    void start() {
        backend = new TestBackend("app");
        echo = new EchoServer();
        runtime = new ProxyRuntime(ProxyRuntimeOptions.defaults().withEventLoopThreads(2)
                .withRequestListener(completed::add));
        runtime.apply(mesh(loopback(1)).build("1"));
        inbound = runtime.boundAddress("inbound|9080").orElseThrow();
        runtime.apply(mesh(inbound).build("2"));
        outbound = runtime.boundAddress(OUTBOUND).orElseThrow();
    }

    private TestMesh mesh(InetSocketAddress reviewsEndpoint) {
        return new TestMesh().outbound()
                .inbound("inbound|9080", loopback(0), backend.address())
                .endpoints(REVIEWS_CLUSTER, reviewsEndpoint)
                .listener(new ListenerSpec("inbound|7000", loopback(0), Direction.INBOUND, false, List.of(
                        new FilterChainSpec("inbound|7000||", 0, TcpProxySpec.of("inbound|7000||")))))
                .cluster(TestMesh.cluster("inbound|7000||", true))
                .endpoints("inbound|7000||", echo.address());
    }

    @AfterEach
    void stop() {
        runtime.close();
        echo.close();
        backend.close();
    }

    @Test
    void upgradedConnectionsBecomeTunnelsThroughBothProxies() {
        try (RawHttpClient client = new RawHttpClient(outbound)) {
            client.send("GET /ws HTTP/1.1\r\nHost: reviews:9080\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n");
            RawHttpClient.Head head = client.readHead();
            assertThat(head.status()).isEqualTo(101);
            assertThat(head.header("upgrade")).isEqualTo("echo");
            assertThat(head.header("connection")).isEqualToIgnoringCase("upgrade");
            client.send("hello over the tunnel\n");
            assertThat(client.readLine()).isEqualTo("hello over the tunnel");
            client.send("again\n");
            assertThat(client.readLine()).isEqualTo("again");
        }
        await().until(() -> completed.stream().anyMatch(c -> c.listenerName().equals(OUTBOUND)
                && c.responseCode() == 101));
    }

    @Test
    void inboundTcpListenerRelaysBytes() {
        InetSocketAddress tcp = runtime.boundAddress("inbound|7000").orElseThrow();
        try (RawHttpClient client = new RawHttpClient(tcp)) {
            client.send("raw bytes\n");
            assertThat(client.readLine()).isEqualTo("raw bytes");
        }
        await().until(() -> completed.stream().anyMatch(c -> c.listenerName().equals("inbound|7000")
                && c.bytesReceived() == 10 && c.bytesSent() == 10 && c.flagsString().equals("-")));
    }

    @Test
    void halfClosedTcpConnectionsStillGetTheirReply() throws Exception {
        InetSocketAddress tcp = runtime.boundAddress("inbound|7000").orElseThrow();
        try (java.net.Socket socket = new java.net.Socket(tcp.getAddress(), tcp.getPort())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write("last words".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            socket.shutdownOutput();
            assertThat(new String(socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII))
                    .isEqualTo("last words");
        }
    }

    @Test
    void tcpConnectFailureClosesTheConnectionWithFlagUF() throws Exception {
        try (SocketChannel reserved = SocketChannel.open().bind(loopback(0))) {
            runtime.apply(mesh(inbound).endpoints("inbound|7000||", (InetSocketAddress) reserved.getLocalAddress())
                    .build("3"));
            InetSocketAddress tcp = runtime.boundAddress("inbound|7000").orElseThrow();
            try (RawHttpClient client = new RawHttpClient(tcp)) {
                assertThat(client.closedByPeer()).isTrue();
            }
        }
        await().until(() -> completed.stream().anyMatch(c -> c.listenerName().equals("inbound|7000")
                && c.flagsString().equals("UF")));
    }

    @Test
    void headRequestsKeepTheConnectionUsable() {
        try (RawHttpClient client = new RawHttpClient(outbound)) {
            client.send("HEAD /h HTTP/1.1\r\nHost: reviews:9080\r\n\r\n");
            RawHttpClient.Response head = client.readResponse(true);
            assertThat(head.status()).isEqualTo(200);
            client.send("GET /g HTTP/1.1\r\nHost: reviews:9080\r\n\r\n");
            assertThat(client.readResponse().body()).isEqualTo("app /g\n");
        }
    }

    @Test
    void http10ClientsGetAnUnchunkedBodyAndAClose() {
        try (RawHttpClient client = new RawHttpClient(outbound)) {
            client.send("GET http://reviews:9080/old HTTP/1.0\r\n\r\n");
            RawHttpClient.Response response = client.readResponse();
            assertThat(response.status()).isEqualTo(200);
            assertThat(response.header("transfer-encoding")).isNull();
            assertThat(response.body()).isEqualTo("app /old\n");
        }
    }
}
