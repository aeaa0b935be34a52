package dev.skiff.proxy.transport;

import dev.skiff.proxy.ProxyRuntime;
import dev.skiff.proxy.ProxyRuntimeOptions;
import dev.skiff.proxy.model.ClusterPolicy;
import dev.skiff.proxy.model.ClusterSpec;
import dev.skiff.proxy.model.Direction;
import dev.skiff.proxy.model.Endpoint;
import dev.skiff.proxy.model.EndpointSet;
import dev.skiff.proxy.model.FilterChainSpec;
import dev.skiff.proxy.model.LbPolicy;
import dev.skiff.proxy.model.ListenerSpec;
import dev.skiff.proxy.model.ProxyConfigSnapshot;
import dev.skiff.proxy.model.TcpProxySpec;
import dev.skiff.proxy.model.UpstreamProtocol;
import dev.skiff.proxy.sni.ClientHellos;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Chains matched by server name, on a listener that picks chains by its local port and on the outbound listener
 * reached with CONNECT: the ClientHello picks the TCP chain, and the backend receives it byte for byte.
 */
@ExtendWith(NoLeaks.class)
class SniChainsThroughProxyTest {

    private final ProxyRuntime runtime = new ProxyRuntime(ProxyRuntimeOptions.defaults().withEventLoopThreads(1));
    private final List<ServerSocket> backends = new ArrayList<>();
    private final List<Socket> accepted = new CopyOnWriteArrayList<>();
    private final Map<String, ClusterSpec> clusters = new HashMap<>();
    private final Map<String, EndpointSet> endpoints = new HashMap<>();

    @BeforeEach
    void startBackends() throws IOException {
        backend("exact");
        backend("wildcard");
    }

    @AfterEach
    void stop() throws IOException {
        runtime.close();
        for (ServerSocket backend : backends) {
            backend.close();
        }
        for (Socket socket : accepted) {
            socket.close();
        }
    }

    /** A backend that writes its name and a newline, then echoes what it reads. */
    private void backend(String name) throws IOException {
        ServerSocket backend = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        backends.add(backend);
        Thread.ofVirtual().start(() -> {
            while (!backend.isClosed()) {
                try {
                    Socket socket = backend.accept();
                    accepted.add(socket);
                    Thread.ofVirtual().start(() -> echo(socket, name));
                } catch (IOException e) {
                    return;
                }
            }
        });
        clusters.put(name, new ClusterSpec(name, LbPolicy.ROUND_ROBIN, UpstreamProtocol.HTTP1, Duration.ofSeconds(2),
                false, ClusterPolicy.DEFAULT));
        endpoints.put(name, new EndpointSet(name, List.of(new Endpoint(
                (InetSocketAddress) backend.getLocalSocketAddress()))));
    }

    private static void echo(Socket socket, String name) {
        try (InputStream in = socket.getInputStream(); OutputStream out = socket.getOutputStream()) {
            out.write((name + "\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            byte[] buffer = new byte[4096];
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                out.write(buffer, 0, n);
                out.flush();
            }
        } catch (IOException e) {
            return;
        }
    }

    private static List<FilterChainSpec> sniChains(int port) {
        return List.of(
                new FilterChainSpec("sni|a", port, Set.of("a.example.com"), TcpProxySpec.of("exact"),
                        FilterChainSpec.TLS, null),
                new FilterChainSpec("sni|wildcard", port, Set.of("*.example.com"), TcpProxySpec.of("wildcard"),
                        FilterChainSpec.TLS, null));
    }

    private void apply(ListenerSpec listener) {
        runtime.apply(new ProxyConfigSnapshot("1", List.of(listener), Map.of(), clusters, endpoints));
    }

    /** Sends the hello in two writes; returns the backend's name line and what it echoed. */
    private static String exchange(Socket socket, byte[] hello) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write(hello, 0, 10);
        out.flush();
        out.write(hello, 10, hello.length - 10);
        out.flush();
        InputStream in = socket.getInputStream();
        StringBuilder name = new StringBuilder();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                return "closed";
            }
            name.append((char) b);
        }
        assertThat(in.readNBytes(hello.length)).as("the relayed ClientHello").isEqualTo(hello);
        return name.toString();
    }

    private String byLocalPort(String serverName) throws Exception {
        try (Socket socket = new Socket()) {
            socket.connect(runtime.boundAddress("inbound").orElseThrow(), 2000);
            socket.setSoTimeout(5000);
            return exchange(socket, ClientHellos.jdk(serverName));
        }
    }

    @Test
    void theClientHelloPicksTheChainOfAListenerMatchingByLocalPort() throws Exception {
        apply(new ListenerSpec("inbound", new InetSocketAddress("127.0.0.1", 0), Direction.INBOUND, false,
                sniChains(0)));

        assertThat(byLocalPort("a.example.com")).isEqualTo("exact");
        assertThat(byLocalPort("x.example.com")).isEqualTo("wildcard");
        assertThat(byLocalPort("other.org")).isEqualTo("closed");
    }

    @Test
    void plaintextFindsNoSniChainAndIsClosed() throws Exception {
        apply(new ListenerSpec("inbound", new InetSocketAddress("127.0.0.1", 0), Direction.INBOUND, false,
                sniChains(0)));

        try (Socket socket = new Socket()) {
            socket.connect(runtime.boundAddress("inbound").orElseThrow(), 2000);
            socket.setSoTimeout(5000);
            socket.getOutputStream().write("GET / HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(socket.getInputStream().read()).isEqualTo(-1);
        }
    }

    @Test
    void aConnectTunnelToAPortWithSniChainsIsRoutedByItsClientHello() throws Exception {
        apply(new ListenerSpec("virtualOutbound", new InetSocketAddress("127.0.0.1", 0), Direction.OUTBOUND, true,
                sniChains(443)));

        for (String[] expected : new String[][] {{"a.example.com", "exact"}, {"b.example.com", "wildcard"},
                {"other.org", "closed"}}) {
            try (Socket socket = new Socket()) {
                socket.connect(runtime.boundAddress("virtualOutbound").orElseThrow(), 2000);
                socket.setSoTimeout(5000);
                socket.getOutputStream().write(("CONNECT " + expected[0] + ":443 HTTP/1.1\r\nHost: " + expected[0]
                        + ":443\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                InputStream in = socket.getInputStream();
                StringBuilder head = new StringBuilder();
                while (!head.toString().endsWith("\r\n\r\n")) {
                    head.append((char) in.read());
                }
                assertThat(head.toString()).startsWith("HTTP/1.1 200");
                assertThat(exchange(socket, ClientHellos.jdk(expected[0]))).as(expected[0]).isEqualTo(expected[1]);
            }
        }
    }
}
