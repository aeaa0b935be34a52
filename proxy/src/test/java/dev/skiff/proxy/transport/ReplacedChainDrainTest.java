package dev.skiff.proxy.transport;

import static dev.skiff.proxy.transport.TestMesh.loopback;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.skiff.proxy.ProxyRuntime;
import dev.skiff.proxy.ProxyRuntimeOptions;
import dev.skiff.proxy.authz.RbacMatcher;
import dev.skiff.proxy.authz.RbacRules;
import dev.skiff.proxy.model.Direction;
import dev.skiff.proxy.model.FilterChainSpec;
import dev.skiff.proxy.model.HttpConnectionManagerSpec;
import dev.skiff.proxy.model.ListenerSpec;
import dev.skiff.proxy.model.Route;
import dev.skiff.proxy.model.RouteAction;
import dev.skiff.proxy.model.RouteMatch;
import dev.skiff.proxy.model.RouteTable;
import dev.skiff.proxy.model.TcpProxySpec;
import dev.skiff.proxy.model.VirtualHost;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Connections accepted under filter chains that a new configuration replaced (an authorization policy added, say)
 * do not keep serving the old chains: an HTTP/2 connection gets a GOAWAY, finishes its streams in flight and
 * closes, a TCP relay is closed once the drain time is over, and new connections get the new chains.
 */
@ExtendWith(NoLeaks.class)
class ReplacedChainDrainTest {

    private static final String HTTP = "inbound|9080";
    private static final String HTTP_CLUSTER = "inbound|9080||";
    private static final String TCP = "inbound|7000";
    private static final String TCP_CLUSTER = "inbound|7000||";

    private TestBackend backend;
    private EchoServer echo;
    private ProxyRuntime runtime;

    @BeforeEach
    void start() {
        backend = new TestBackend("app");
        echo = new EchoServer();
    }

    private void startProxy(Duration drainTime) {
        runtime = new ProxyRuntime(ProxyRuntimeOptions.defaults().withEventLoopThreads(1).withDrainTime(drainTime));
        runtime.apply(mesh(List.of(), "v1").build("1"));
    }

    /** The listeners with the given RBAC filters on the HTTP chain and the given name for the TCP chain. */
    private TestMesh mesh(List<RbacRules> rbac, String tcpChain) {
        RouteTable table = new RouteTable("inbound", List.of(new VirtualHost("inbound|http|9080", List.of("*"),
                List.of(new Route("default", RouteMatch.any(), RouteAction.cluster(HTTP_CLUSTER))))));
        return new TestMesh()
                .listener(new ListenerSpec(HTTP, loopback(0), Direction.INBOUND, false, List.of(
                        new FilterChainSpec("inbound", 0, HttpConnectionManagerSpec.inline(table).withRbac(rbac)))))
                .cluster(TestMesh.cluster(HTTP_CLUSTER, true))
                .endpoints(HTTP_CLUSTER, backend.address())
                .listener(new ListenerSpec(TCP, loopback(0), Direction.INBOUND, false, List.of(
                        new FilterChainSpec(tcpChain, 0, TcpProxySpec.of(TCP_CLUSTER)))))
                .cluster(TestMesh.cluster(TCP_CLUSTER, true))
                .endpoints(TCP_CLUSTER, echo.address());
    }

    @AfterEach
    void stop() {
        if (runtime != null) {
            runtime.close();
        }
        echo.close();
        backend.close();
    }

    private static Socket connect(InetSocketAddress address) throws IOException {
        Socket socket = new Socket(address.getAddress(), address.getPort());
        socket.setSoTimeout(10_000);
        return socket;
    }

    private void replaceTheHttpChain() {
        runtime.apply(mesh(List.of(new RbacRules(RbacRules.Action.ALLOW, List.of())), "v1").build("2"));
    }

    @Test
    void anIdleHttp2ConnectionOnAReplacedChainGetsAGoawayAndCloses() throws Exception {
        startProxy(Duration.ofSeconds(30));
        InetSocketAddress http = runtime.boundAddress(HTTP).orElseThrow();
        try (Socket socket = connect(http)) {
            RawHttp2 h2 = new RawHttp2(socket);
            assertThat(h2.read().type()).as("the server's SETTINGS").isEqualTo(RawHttp2.SETTINGS);

            replaceTheHttpChain();

            h2.readUntil(RawHttp2.GOAWAY);
            assertThat(h2.closedByServer()).as("closed after the GOAWAY").isTrue();
        }
        assertThat(runtime.boundAddress(HTTP)).as("the socket stays bound").contains(http);
    }

    @Test
    void anHttp2StreamInFlightFinishesAfterTheGoawayThenTheConnectionCloses() throws Exception {
        startProxy(Duration.ofSeconds(30));
        try (Socket socket = connect(runtime.boundAddress(HTTP).orElseThrow())) {
            RawHttp2 h2 = new RawHttp2(socket);
            h2.headers(1, false, ":method", "POST", ":scheme", "http", ":path", "/stream", ":authority", "app");
            StringBuilder body = new StringBuilder();
            while (!body.toString().contains("app /stream")) {
                body.append(h2.readUntil(RawHttp2.DATA).text());
            }

            replaceTheHttpChain();

            h2.readUntil(RawHttp2.GOAWAY);
            h2.write(RawHttp2.DATA, RawHttp2.END_STREAM, 1, "the rest".getBytes(StandardCharsets.US_ASCII));
            RawHttp2.Frame frame;
            do {
                frame = h2.read();
                if (frame.type() == RawHttp2.DATA && frame.stream() == 1) {
                    body.append(frame.text());
                }
            } while (!(frame.stream() == 1 && frame.endsStream()));
            assertThat(body.toString()).as("the stream served to its end under the old chain")
                    .endsWith("the rest");
            assertThat(h2.closedByServer()).as("closed once its stream is done").isTrue();
        }
    }

    @Test
    void aTcpRelayOnAReplacedChainIsClosedAfterTheDrainTime() throws Exception {
        startProxy(Duration.ofMillis(200));
        InetSocketAddress tcp = runtime.boundAddress(TCP).orElseThrow();
        try (Socket socket = connect(tcp)) {
            socket.getOutputStream().write("before\n".getBytes(StandardCharsets.US_ASCII));
            InputStream in = socket.getInputStream();
            assertThat(new String(in.readNBytes(7), StandardCharsets.US_ASCII)).isEqualTo("before\n");

            runtime.apply(mesh(List.of(), "v2").build("2"));

            await().atMost(Duration.ofSeconds(10)).until(() -> closedByPeer(in));
        }
        try (Socket fresh = connect(tcp)) {
            fresh.getOutputStream().write("after\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(new String(fresh.getInputStream().readNBytes(6), StandardCharsets.US_ASCII))
                    .isEqualTo("after\n");
        }
    }

    private static boolean closedByPeer(InputStream in) throws IOException {
        try {
            return in.read() == -1;
        } catch (EOFException | java.net.SocketException e) {
            return true;
        }
    }
}
