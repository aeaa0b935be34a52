package dev.skiff.proxy.security;

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
import dev.skiff.proxy.model.UpstreamTlsSpec;
import dev.skiff.proxy.model.UpstreamTransport;
import dev.skiff.proxy.model.VirtualHost;
import dev.skiff.proxy.telemetry.IstioMetrics;
import dev.skiff.proxy.telemetry.IstioTelemetry;
import dev.skiff.proxy.telemetry.WorkloadMetadata;
import dev.skiff.proxy.telemetry.accesslog.AccessLog;
import dev.skiff.proxy.transport.NoLeaks;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static dev.skiff.proxy.security.SidecarFixtures.cluster;
import static dev.skiff.proxy.security.SidecarFixtures.lastLine;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.awaitility.Awaitility.await;

/**
 * Istio's client sidecars send the SNI {@code outbound_.<port>_.<subset>_.<host>}, a name with underscores that
 * Java's {@code SNIHostName} refuses. A Skiff server sidecar must complete the handshake for it with either TLS
 * provider, on a STRICT port and on a PERMISSIVE one (where the first bytes pick the chain), and log it as the
 * requested server name; a Skiff client sidecar must send it, on either provider.
 */
@ExtendWith(NoLeaks.class)
class IstioServerNameTest {

    private static final String REVIEWS_ID = "spiffe://cluster.local/ns/default/sa/reviews";
    private static final String PRODUCTPAGE_ID = "spiffe://cluster.local/ns/default/sa/productpage";
    private static final String HOST = "reviews.default.svc.cluster.local";
    private static final String ISTIO_SNI = "outbound_.9080_._." + HOST;
    private static final String OUTBOUND_CLUSTER = "outbound|9080||" + HOST;
    private static final String INBOUND_CLUSTER = "inbound|9080||";
    private static final String STRICT = "inbound|9080";
    private static final String PERMISSIVE = "inbound|9081";

    private final TestCa serverCa = new TestCa(REVIEWS_ID, Clock.systemUTC(), Duration.ofHours(1));
    private final TestCa clientCa = serverCa.forIdentity(PRODUCTPAGE_ID);
    private final ByteArrayOutputStream serverLog = new ByteArrayOutputStream();
    private HttpServer backend;
    private AccessLog serverAccessLog;
    private ProxyRuntime server;
    private ProxyRuntime client;
    private HttpClient viaClientSidecar;

    @TempDir
    Path files;

    @BeforeEach
    void setUp() throws IOException {
        backend = SidecarFixtures.startBackend();
    }

    @AfterEach
    void tearDown() {
        if (viaClientSidecar != null) {
            viaClientSidecar.close();
        }
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.close();
        }
        if (serverAccessLog != null) {
            serverAccessLog.close();
        }
        backend.stop(0);
    }

    @ParameterizedTest
    @EnumSource(value = SslProvider.class, names = {"OPENSSL", "JDK"})
    void opensslClientWithIstioServerNameIsServedOnStrictAndPermissivePorts(SslProvider provider) throws Exception {
        assumeProvider(provider);
        assumeTrue(opensslCommand(), "the openssl command is not installed: no non-Java TLS client to test with");
        startServer(provider);
        WorkloadCertificate productpage = clientCa.workloadCertificate();
        Path cert = Files.writeString(files.resolve("cert.pem"), Pem.encode("CERTIFICATE",
                productpage.leaf().getEncoded()));
        Path key = Files.writeString(files.resolve("key.pem"), Pem.encode("PRIVATE KEY",
                productpage.key().getEncoded()));
        Path root = Files.writeString(files.resolve("root.pem"), Pem.encode("CERTIFICATE",
                serverCa.root().getEncoded()));

        for (String listener : List.of(STRICT, PERMISSIVE)) {
            for (String version : List.of("-tls1_2", "-tls1_3")) {
                int port = server.boundAddress(listener).orElseThrow().getPort();
                OpensslResult result = opensslRequest(port, version, cert, key, root);
                assertThat(result.stdout()).as("%s on %s with %s, openssl said: %s", provider, listener, version,
                        result.stderr()).startsWith("HTTP/1.1 200").endsWith(SidecarFixtures.BACKEND_BODY);
                await().untilAsserted(() -> assertThat(lastLine(serverLog).get("requested_server_name").asText())
                        .as("%s on %s with %s", provider, listener, version).isEqualTo(ISTIO_SNI));
                serverLog.reset();
            }
        }
    }

    @ParameterizedTest(name = "client on {0}, server on {1}")
    @CsvSource({"OPENSSL, OPENSSL", "OPENSSL, JDK", "JDK, OPENSSL", "JDK, JDK"})
    void clientSidecarSendsIstioServerName(SslProvider clientProvider, SslProvider serverProvider)
            throws Exception {
        assumeProvider(clientProvider);
        assumeProvider(serverProvider);
        startServer(serverProvider);
        startClient(clientProvider);

        HttpResponse<String> response = viaClientSidecar.send(HttpRequest.newBuilder(
                URI.create("http://" + HOST + ":9080/reviews/1")).build(), HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(200);
        await().untilAsserted(() -> assertThat(lastLine(serverLog).get("requested_server_name").asText())
                .isEqualTo(ISTIO_SNI));
    }

    private static void assumeProvider(SslProvider provider) {
        assumeThat(provider != SslProvider.OPENSSL || OpenSsl.isAvailable())
                .as("BoringSSL (netty-tcnative) does not load on this platform").isTrue();
    }

    private void startServer(SslProvider provider) throws Exception {
        TlsContexts serverTls = new TlsContexts(provider);
        serverTls.update(serverCa.workloadCertificate());
        serverAccessLog = new AccessLog(new IstioTelemetry(new IstioMetrics(), new WorkloadMetadata("reviews-v1",
                "default", "reviews-v1", Map.of("app", "reviews"), "Kubernetes"), "sidecar~reviews"),
                serverLog, AccessLog.DEFAULT_CAPACITY);
        server = new ProxyRuntime(ProxyRuntimeOptions.defaults().withEventLoopThreads(1)
                .withRequestListener(serverAccessLog), serverTls, serverTls);
        DownstreamTlsSpec istioMutual = new DownstreamTlsSpec(SecretNames.DEFAULT, SecretNames.ROOTCA, true,
                List.of("istio", "http/1.1"), List.of());
        RouteTable routes = new RouteTable("inbound|9080", List.of(new VirtualHost("inbound|http|9080",
                List.of("*"), List.of(new Route("default", RouteMatch.any(), RouteAction.cluster(INBOUND_CLUSTER))))));
        FilterChainSpec tls = new FilterChainSpec("tls", 0, Set.of(), HttpConnectionManagerSpec.inline(routes),
                FilterChainSpec.TLS, istioMutual);
        FilterChainSpec plaintext = new FilterChainSpec("plaintext", 0, Set.of(),
                HttpConnectionManagerSpec.inline(routes), FilterChainSpec.RAW_BUFFER, null);
        server.apply(new ProxyConfigSnapshot("1", List.of(
                new ListenerSpec(STRICT, new InetSocketAddress("127.0.0.1", 0), Direction.INBOUND, false,
                        List.of(tls)),
                new ListenerSpec(PERMISSIVE, new InetSocketAddress("127.0.0.1", 0), Direction.INBOUND, false,
                        List.of(tls, plaintext))),
                Map.of(), Map.of(INBOUND_CLUSTER, cluster(INBOUND_CLUSTER, true, UpstreamTransport.PLAINTEXT)),
                Map.of(INBOUND_CLUSTER, new EndpointSet(INBOUND_CLUSTER, List.of(new Endpoint(backend.getAddress()))))));
    }

    private void startClient(SslProvider provider) throws Exception {
        TlsContexts clientTls = new TlsContexts(provider);
        clientTls.update(clientCa.workloadCertificate());
        client = new ProxyRuntime(ProxyRuntimeOptions.defaults().withEventLoopThreads(1), clientTls, clientTls);
        UpstreamTlsSpec istioMutual = new UpstreamTlsSpec(ISTIO_SNI, List.of("istio", "http/1.1"),
                SecretNames.DEFAULT, SecretNames.ROOTCA, List.of(REVIEWS_ID), false);
        RouteTable routes = new RouteTable("9080", List.of(new VirtualHost(HOST + ":9080",
                List.of(HOST, HOST + ":9080"),
                List.of(new Route("default", RouteMatch.prefix("/"), RouteAction.cluster(OUTBOUND_CLUSTER))))));
        client.apply(new ProxyConfigSnapshot("1", List.of(new ListenerSpec("virtualOutbound",
                new InetSocketAddress("127.0.0.1", 0), Direction.OUTBOUND, false,
                List.of(new FilterChainSpec("9080", 9080, HttpConnectionManagerSpec.rds("9080"))))),
                Map.of("9080", routes), Map.of(OUTBOUND_CLUSTER, cluster(OUTBOUND_CLUSTER, false,
                        new UpstreamTransport(istioMutual, List.of()))),
                Map.of(OUTBOUND_CLUSTER, new EndpointSet(OUTBOUND_CLUSTER, List.of(
                        new Endpoint(server.boundAddress(STRICT).orElseThrow()))))));
        viaClientSidecar = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .proxy(ProxySelector.of(client.boundAddress("virtualOutbound").orElseThrow())).build();
    }

    private record OpensslResult(String stdout, String stderr) {
    }

    private static boolean opensslCommand() {
        try {
            Process process = new ProcessBuilder("openssl", "version").redirectErrorStream(true).start();
            process.getInputStream().readAllBytes();
            return process.waitFor(10, TimeUnit.SECONDS) && process.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * One HTTP/1.1 request through {@code openssl s_client} with Istio's SNI and ALPN and a client certificate, over
     * TLS 1.2 (Envoy's default for upstream connections) or TLS 1.3.
     */
    private OpensslResult opensslRequest(int port, String version, Path cert, Path key, Path root) throws Exception {
        List<String> command = List.of("openssl", "s_client", "-connect", "127.0.0.1:" + port,
                version, "-servername", ISTIO_SNI, "-alpn", "istio,http/1.1", "-cert", cert.toString(),
                "-key", key.toString(), "-CAfile", root.toString(), "-verify_return_error", "-quiet", "-ign_eof");
        Path stderr = files.resolve("openssl-" + port + version + ".err");
        Process process = new ProcessBuilder(command).redirectError(stderr.toFile()).start();
        try (OutputStream in = process.getOutputStream()) {
            in.write(("GET /reviews/1 HTTP/1.1\r\nHost: " + HOST + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
        }
        String stdout = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
        return new OpensslResult(stdout, Files.readString(stderr));
    }
}
