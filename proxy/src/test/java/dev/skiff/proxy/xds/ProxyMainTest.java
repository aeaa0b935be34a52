package dev.skiff.proxy.xds;

import com.google.protobuf.BoolValue;
import dev.skiff.proxy.ProxyMain;
import io.envoyproxy.envoy.config.core.v3.TrafficDirection;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import static dev.skiff.proxy.xds.XdsFixtures.INBOUND;
import static dev.skiff.proxy.xds.XdsFixtures.address;
import static dev.skiff.proxy.xds.XdsFixtures.inboundTcp;
import static dev.skiff.proxy.xds.XdsFixtures.response;
import static dev.skiff.proxy.xds.XdsFixtures.staticCluster;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** {@code skiff proxy} against a real gRPC control plane on loopback, relaying to a real backend. */
class ProxyMainTest {
    private RecordingAdsServer controlPlane;
    private ServerSocket backend;
    private Thread backendThread;
    private ProxyMain.Running proxy;

    @BeforeEach
    void start() throws IOException {
        controlPlane = RecordingAdsServer.onLoopback().start();
        backend = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
        backendThread = Thread.ofVirtual().start(this::echo);
    }

    @AfterEach
    void stop() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
        controlPlane.close();
        backend.close();
        backendThread.join(TimeUnit.SECONDS.toMillis(5));
    }

    @Test
    void servesTheConfigurationTheControlPlaneSends() throws Exception {
        int adminPort = freePort();
        int healthPort = freePort();
        ProxyMain main = new ProxyMain();
        new CommandLine(main).parseArgs("--workload", "reviews-v1.default",
                "--control-plane", "127.0.0.1:" + controlPlane.port(),
                "--admin-port", Integer.toString(adminPort), "--health-port", Integer.toString(healthPort),
                "--label", "app=reviews");
        proxy = main.start();

        assertThat(controlPlane.nextRequest().getNode().getId())
                .isEqualTo("sidecar~0.0.0.0~reviews-v1.default~default.svc.cluster.local");
        assertThat(controlPlane.nextRequest().getTypeUrl()).isEqualTo(XdsTypeUrls.LISTENER);
        controlPlane.send(response(XdsTypeUrls.CLUSTER, "c1", "n1", staticCluster(INBOUND, backend.getLocalPort())));
        controlPlane.send(response(XdsTypeUrls.LISTENER, "l1", "n2", Listener.newBuilder()
                .setName("virtualOutbound")
                .setAddress(address("127.0.0.1", 0))
                .setTrafficDirection(TrafficDirection.OUTBOUND)
                .setUseOriginalDst(BoolValue.of(true))
                .setDefaultFilterChain(FilterChain.newBuilder().setName("passthrough")
                        .addFilters(Filter.newBuilder().setName("envoy.filters.network.tcp_proxy")
                                .setTypedConfig(com.google.protobuf.Any.pack(TcpProxy.newBuilder()
                                        .setStatPrefix("passthrough").setCluster(INBOUND).build()))))
                .build(), inboundTcp("127.0.0.1", 0, INBOUND)));

        await().until(() -> proxy.assembler().firstConfig().isDone());
        assertThat(proxy.servingAddress()).contains("127.0.0.1");
        assertThat(get("http://127.0.0.1:" + healthPort + "/healthz/ready").statusCode()).isEqualTo(200);
        HttpResponse<String> dump = get("http://127.0.0.1:" + adminPort + "/config_dump");
        assertThat(dump.statusCode()).isEqualTo(200);
        assertThat(dump.body()).contains("\"versionInfo\": \"c1\"", "\"name\": \"" + INBOUND + "\"",
                "\"name\": \"virtualOutbound\"");
        assertThat(proxy.runtime().boundAddress("virtualOutbound")).isPresent();
        InetSocketAddress listener = proxy.runtime().boundAddress("inbound|0").orElseThrow();
        try (Socket socket = new Socket(listener.getAddress(), listener.getPort())) {
            socket.setSoTimeout(5000);
            socket.getOutputStream().write("ping\n".getBytes(StandardCharsets.US_ASCII));
            byte[] reply = socket.getInputStream().readNBytes(5);
            assertThat(new String(reply, StandardCharsets.US_ASCII)).isEqualTo("ping\n");
        }
    }

    @Test
    void healthIsNotReadyUntilTheFirstFullConfiguration() throws Exception {
        int healthPort = freePort();
        ProxyMain main = new ProxyMain();
        new CommandLine(main).parseArgs("--workload", "reviews-v1.default", "--address", "127.0.0.1",
                "--control-plane", "127.0.0.1:" + controlPlane.port(),
                "--admin-port", Integer.toString(freePort()), "--health-port", Integer.toString(healthPort));
        proxy = main.start();

        assertThat(controlPlane.nextRequest().getNode().getId())
                .isEqualTo("sidecar~127.0.0.1~reviews-v1.default~default.svc.cluster.local");
        HttpResponse<String> notReady = get("http://127.0.0.1:" + healthPort + "/healthz/ready");
        assertThat(notReady.statusCode()).isEqualTo(503);
        controlPlane.send(response(XdsTypeUrls.CLUSTER, "c1", "n1", staticCluster(INBOUND, backend.getLocalPort())));
        controlPlane.send(response(XdsTypeUrls.LISTENER, "l1", "n2", inboundTcp("127.0.0.1", 0, INBOUND)));

        await().until(() -> get("http://127.0.0.1:" + healthPort + "/healthz/ready").statusCode() == 200);
    }

    @Test
    void rejectsMalformedOptionsWithTheExpectedForm() {
        assertThat(parseError("--workload", "reviews")).startsWith(
                "--workload: 'reviews' (expected: NAME.NAMESPACE, e.g. reviews-v1.default)");
        assertThat(parseError("--workload", "reviews.default", "--control-plane", "localhost")).startsWith(
                "--control-plane: 'localhost' (expected: HOST:PORT with a port in 1..65535, e.g. 127.0.0.1:15010)");
        assertThat(parseError("--workload", "reviews.default", "--address", "reviews.local")).startsWith(
                "--address: 'reviews.local' (expected: an IPv4 or IPv6 address)");
        assertThat(parseError("--workload", "reviews.default", "--admin-port", "0")).startsWith(
                "--admin-port: 0 (expected: 1..65535)");
        assertThat(parseError()).startsWith("Missing required option: '--workload=NAME.NAMESPACE'");
    }

    /** Runs the command as the launcher does and returns what it printed, checking the usage exit code. */
    private static String parseError(String... args) {
        java.io.StringWriter err = new java.io.StringWriter();
        int exitCode = new CommandLine(new ProxyMain()).setErr(new java.io.PrintWriter(err)).execute(args);
        assertThat(exitCode).isEqualTo(2);
        return err.toString();
    }

    private static HttpResponse<String> get(String uri) throws IOException, InterruptedException {
        try (HttpClient http = HttpClient.newHttpClient()) {
            return http.send(HttpRequest.newBuilder(URI.create(uri)).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString());
        }
    }

    private void echo() {
        while (!backend.isClosed()) {
            try {
                Socket connection = backend.accept();
                Thread.ofVirtual().start(() -> {
                    try (connection; InputStream in = connection.getInputStream();
                         OutputStream out = connection.getOutputStream()) {
                        in.transferTo(out);
                    } catch (IOException e) {
                        // the peer went away; nothing to relay
                    }
                });
            } catch (IOException e) {
                return;
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
