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
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
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
 * do not keep serving the old chains: an HTTP/2 connection gets a GOAWAY and closes, a TCP relay is closed once
 * the drain time is over, and new connections get the new chains.
 */
@ExtendWith(NoLeaks.class)
class ReplacedChainDrainTest {

    private static final String HTTP = "inbound|9080";
    private static final String HTTP_CLUSTER = "inbound|9080||";
    private static final String TCP = "inbound|7000";
    private static final String TCP_CLUSTER = "inbound|7000||";
    private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final int SETTINGS = 0x4;
    private static final int GOAWAY = 0x7;

    private TestBackend backend;
    private EchoServer echo;
    private ProxyRuntime runtime;

    @BeforeEach
    void start() {
        backend = new TestBackend("app");
        echo = new EchoServer();
        runtime = new ProxyRuntime(ProxyRuntimeOptions.defaults().withEventLoopThreads(1)
                .withDrainTime(Duration.ofMillis(200)));
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
        runtime.close();
        echo.close();
        backend.close();
    }

    private static Socket connect(InetSocketAddress address) throws IOException {
        Socket socket = new Socket(address.getAddress(), address.getPort());
        socket.setSoTimeout(10_000);
        return socket;
    }

    /** Reads one HTTP/2 frame and returns its type (its payload is skipped). */
    private static int readFrameType(DataInputStream in) throws IOException {
        int length = (in.readUnsignedByte() << 16) | (in.readUnsignedByte() << 8) | in.readUnsignedByte();
        int type = in.readUnsignedByte();
        in.skipNBytes(5L + length);
        return type;
    }

    @Test
    void anHttp2ConnectionOnAReplacedChainGetsAGoawayAndCloses() throws Exception {
        InetSocketAddress http = runtime.boundAddress(HTTP).orElseThrow();
        try (Socket socket = connect(http)) {
            OutputStream out = socket.getOutputStream();
            out.write(PREFACE);
            out.write(new byte[] {0, 0, 0, SETTINGS, 0, 0, 0, 0, 0});
            out.flush();
            DataInputStream in = new DataInputStream(socket.getInputStream());
            assertThat(readFrameType(in)).as("the server's SETTINGS").isEqualTo(SETTINGS);

            RbacRules denyAll = new RbacRules(RbacRules.Action.ALLOW, List.of());
            runtime.apply(mesh(List.of(denyAll), "v1").build("2"));

            int type;
            do {
                type = readFrameType(in);
            } while (type != GOAWAY);
            assertThat(in.read()).as("closed after the GOAWAY").isEqualTo(-1);
        }
        assertThat(runtime.boundAddress(HTTP)).as("the socket stays bound").contains(http);
    }

    @Test
    void aTcpRelayOnAReplacedChainIsClosedAfterTheDrainTime() throws Exception {
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
