package dev.skiff.proxy.transport;

import dev.skiff.proxy.ProxyRuntime;
import dev.skiff.proxy.ProxyRuntimeOptions;
import dev.skiff.proxy.model.CircuitBreakerSpec;
import dev.skiff.proxy.model.ClusterPolicy;
import dev.skiff.proxy.model.ClusterSpec;
import dev.skiff.proxy.model.ConnectionPoolSpec;
import dev.skiff.proxy.model.Direction;
import dev.skiff.proxy.model.Endpoint;
import dev.skiff.proxy.model.EndpointSet;
import dev.skiff.proxy.model.FilterChainSpec;
import dev.skiff.proxy.model.LbPolicy;
import dev.skiff.proxy.model.ListenerSpec;
import dev.skiff.proxy.model.ProxyConfigSnapshot;
import dev.skiff.proxy.model.TcpProxySpec;
import dev.skiff.proxy.model.UpstreamProtocol;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** TCP proxying counts its upstream connections against the cluster's max_connections and refuses the excess. */
@ExtendWith(NoLeaks.class)
class TcpCircuitBreakerTest {

    private static final String CLUSTER = "outbound|6379||cache.default.svc.cluster.local";
    private static final byte[] MESSAGE = "ping over the tcp proxy".getBytes(StandardCharsets.US_ASCII);

    private final ProxyRuntime runtime = new ProxyRuntime(ProxyRuntimeOptions.defaults().withEventLoopThreads(1));
    private final List<Socket> accepted = new CopyOnWriteArrayList<>();
    private ServerSocket backend;

    @AfterEach
    void stop() throws IOException {
        runtime.close();
        if (backend != null) {
            backend.close();
        }
        for (Socket socket : accepted) {
            socket.close();
        }
    }

    @Test
    void connectionsBeyondMaxConnectionsAreClosedAtOnce() throws Exception {
        backend = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().start(() -> {
            while (!backend.isClosed()) {
                try {
                    Socket socket = backend.accept();
                    accepted.add(socket);
                    Thread.ofVirtual().start(() -> echo(socket));
                } catch (IOException e) {
                    return;
                }
            }
        });
        ClusterPolicy oneConnection = new ClusterPolicy(new CircuitBreakerSpec(1, 1024, 1024, 3),
                ConnectionPoolSpec.DEFAULT, null, 0);
        runtime.apply(new ProxyConfigSnapshot("1", List.of(new ListenerSpec("tcp",
                new InetSocketAddress("127.0.0.1", 0), Direction.INBOUND, false,
                List.of(new FilterChainSpec(CLUSTER, 0, TcpProxySpec.of(CLUSTER))))), Map.of(),
                Map.of(CLUSTER, new ClusterSpec(CLUSTER, LbPolicy.ROUND_ROBIN, UpstreamProtocol.HTTP1,
                        Duration.ofSeconds(2), false, oneConnection)),
                Map.of(CLUSTER, new EndpointSet(CLUSTER, List.of(new Endpoint(
                        (InetSocketAddress) backend.getLocalSocketAddress()))))));
        InetSocketAddress proxy = runtime.boundAddress("tcp").orElseThrow();

        try (Socket first = new Socket()) {
            first.connect(proxy, 2000);
            first.setSoTimeout(5000);
            first.getOutputStream().write(MESSAGE);
            assertThat(first.getInputStream().readNBytes(MESSAGE.length)).isEqualTo(MESSAGE);

            try (Socket second = new Socket()) {
                second.connect(proxy, 2000);
                second.setSoTimeout(5000);
                assertThat(second.getInputStream().read()).as("refused by the circuit breaker").isEqualTo(-1);
            }
        }

        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            try (Socket third = new Socket()) {
                third.connect(proxy, 2000);
                third.setSoTimeout(5000);
                third.getOutputStream().write(MESSAGE);
                assertThat(third.getInputStream().readNBytes(MESSAGE.length)).isEqualTo(MESSAGE);
            }
        });
    }

    private static void echo(Socket socket) {
        try (InputStream in = socket.getInputStream()) {
            int b;
            while ((b = in.read()) >= 0) {
                socket.getOutputStream().write(b);
            }
        } catch (IOException e) {
            return;
        }
    }
}
