package dev.skiff.e2e;

import dev.skiff.proxy.security.CaClient;
import dev.skiff.proxy.security.Pem;
import dev.skiff.proxy.security.WorkloadCsr;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Istio's security model end to end: a control plane whose CA issues one-minute certificates, two sidecars that
 * obtain theirs with bootstrap tokens, a mesh-wide STRICT PeerAuthentication, automatic mutual TLS between the
 * sidecars, openssl as an outside peer, and certificate rotation under load.
 */
class MutualTlsEndToEndTest {
    private static final String CLIENT = "127.0.45.1";
    private static final String REVIEWS = "127.0.45.2";
    private static final String REVIEWS_HOST = "reviews.default.svc.cluster.local";
    private static final String REVIEWS_ID = "spiffe://cluster.local/ns/default/sa/bookinfo-reviews";
    private static final URI REVIEWS_URL = URI.create("http://" + REVIEWS_HOST + ":9080/");

    @TempDir
    static Path work;
    static LocalMesh mesh;
    static HttpClient viaSidecar;
    static HttpClient direct;
    static int appPort;

    @BeforeAll
    static void startMesh() throws Exception {
        mesh = new LocalMesh(work);
        appPort = LocalMesh.freePort();
        Path root = Files.createDirectories(work.resolve("www"));
        Files.writeString(root.resolve("index.html"), "reviews\n");
        mesh.start("backend", List.of("python3", "-m", "http.server", Integer.toString(appPort), "--bind",
                "127.0.0.1", "--directory", root.toString()));
        mesh.awaitOk(URI.create("http://127.0.0.1:" + appPort + "/"));
        mesh.writeConfig("mesh.yaml", """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: reviews}
                spec:
                  hosts: [reviews.default.svc.cluster.local]
                  location: MESH_INTERNAL
                  resolution: STATIC
                  ports:
                  - {number: 9080, name: http, protocol: HTTP}
                  workloadSelector:
                    labels: {app: reviews}
                ---
                apiVersion: networking.istio.io/v1
                kind: WorkloadEntry
                metadata: {name: client}
                spec:
                  address: %s
                  serviceAccount: client
                  labels: {app: client, security.istio.io/tlsMode: istio}
                ---
                apiVersion: networking.istio.io/v1
                kind: WorkloadEntry
                metadata: {name: reviews-v1}
                spec:
                  address: %s
                  serviceAccount: bookinfo-reviews
                  labels: {app: reviews, security.istio.io/tlsMode: istio}
                  ports: {http: %d}
                ---
                apiVersion: security.istio.io/v1
                kind: PeerAuthentication
                metadata: {name: default, namespace: istio-system}
                spec:
                  mtls: {mode: STRICT}
                """.formatted(CLIENT, REVIEWS, appPort));
        mesh.startControlPlane(List.of("--max-workload-cert-ttl", "1m"));
        mesh.startMeshedProxy("client.default", CLIENT, "client");
        mesh.startMeshedProxy("reviews-v1.default", REVIEWS, "bookinfo-reviews");
        viaSidecar = HttpClient.newBuilder()
                .proxy(ProxySelector.of(new InetSocketAddress(CLIENT, 15001)))
                .connectTimeout(Duration.ofSeconds(2))
                .build();
        direct = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
                .until(() -> get(viaSidecar, REVIEWS_URL).statusCode() == 200);
    }

    @AfterAll
    static void stop() {
        if (viaSidecar != null) {
            viaSidecar.close();
            direct.close();
        }
        if (mesh != null) {
            mesh.close();
        }
    }

    private static HttpResponse<String> get(HttpClient client, URI uri) throws IOException, InterruptedException {
        return client.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void strictRefusesPlaintextToTheInboundPortAndServesMutualTlsFromTheClientSidecar() throws Exception {
        HttpResponse<String> throughSidecars = get(viaSidecar, REVIEWS_URL);
        assertThat(throughSidecars.statusCode()).as(mesh.logs()).isEqualTo(200);
        assertThat(throughSidecars.body()).isEqualTo("reviews\n");

        assertThatThrownBy(() -> get(direct, URI.create("http://" + REVIEWS + ":" + appPort + "/")))
                .isInstanceOf(IOException.class);
    }

    @Test
    void opensslSeesTheServerSpiffeIdAndAChainToTheCaRoot() throws Exception {
        Path bundle = mesh.stateDir().resolve("trust-bundle.pem");
        Path token = mesh.createToken("openssl.default", "openssl");
        WorkloadCsr csr = WorkloadCsr.generate(new java.security.SecureRandom());
        List<X509Certificate> chain;
        try (CaClient ca = new CaClient("127.0.0.1", mesh.caPort(), bundle, token)) {
            chain = ca.sign(csr.pem(), Duration.ZERO);
        }
        Path key = work.resolve("openssl-key.pem");
        Path cert = work.resolve("openssl-cert.pem");
        Files.writeString(key, Pem.encode("PRIVATE KEY", csr.keyPair().getPrivate().getEncoded()));
        Files.writeString(cert, Pem.encode("CERTIFICATE", chain.getFirst().getEncoded()));

        String handshake = run(List.of("openssl", "s_client", "-connect", REVIEWS + ":" + appPort,
                "-cert", cert.toString(), "-key", key.toString(), "-CAfile", bundle.toString(),
                "-verify_return_error", "-showcerts"), "");
        Matcher first = Pattern.compile("-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----\\n?",
                Pattern.DOTALL).matcher(handshake);
        assertThat(first.find()).as(handshake).isTrue();
        Path server = work.resolve("server-cert.pem");
        Files.writeString(server, first.group());

        assertThat(handshake).contains("Verify return code: 0 (ok)");
        assertThat(run(List.of("openssl", "x509", "-in", server.toString(), "-noout", "-ext", "subjectAltName"), ""))
                .contains("URI:" + REVIEWS_ID);
        assertThat(run(List.of("openssl", "verify", "-CAfile", bundle.toString(), server.toString()), ""))
                .contains(server + ": OK");
    }

    @Test
    void aCsrAskingForAnotherIdentityIsRefusedWhileTheCallersOwnIsSigned() throws Exception {
        Path bundle = mesh.stateDir().resolve("trust-bundle.pem");
        Path token = mesh.createToken("intruder.default", "intruder");
        Path key = work.resolve("intruder-key.pem");
        Path csr = work.resolve("intruder-csr.pem");
        run(List.of("openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
                "-out", key.toString()), "");
        run(List.of("openssl", "req", "-new", "-key", key.toString(), "-subj", "/O=intruder",
                "-addext", "subjectAltName=URI:" + REVIEWS_ID, "-out", csr.toString()), "");
        String forged = Files.readString(csr);
        assertThat(forged).contains("BEGIN CERTIFICATE REQUEST");

        try (CaClient ca = new CaClient("127.0.0.1", mesh.caPort(), bundle, token)) {
            assertThatThrownBy(() -> ca.sign(forged, Duration.ZERO))
                    .hasMessageContaining("PERMISSION_DENIED")
                    .hasMessageContaining("asks for URI " + REVIEWS_ID);

            X509Certificate own = ca.sign(WorkloadCsr.generate(new java.security.SecureRandom()).pem(),
                    Duration.ZERO).getFirst();
            assertThat(own.getSubjectAlternativeNames().stream().map(san -> String.valueOf(san.get(1))))
                    .containsExactly("spiffe://cluster.local/ns/default/sa/intruder");
        }
    }

    @Test
    void oneMinuteCertificatesRotateUnderLoadWithoutAFailedRequest() throws Exception {
        double issuedAtStart = issuedCertificates();
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger succeeded = new AtomicInteger();
        ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        List<Thread> load = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            load.add(Thread.ofVirtual().start(() -> {
                while (running.get()) {
                    try {
                        HttpResponse<String> response = get(viaSidecar, REVIEWS_URL);
                        if (response.statusCode() == 200) {
                            succeeded.incrementAndGet();
                        } else {
                            failures.add(response.statusCode() + " " + response.body());
                        }
                    } catch (IOException | InterruptedException e) {
                        failures.add(e.toString());
                    }
                }
            }));
        }
        try {
            await().atMost(Duration.ofSeconds(75)).pollInterval(Duration.ofSeconds(1))
                    .until(() -> issuedCertificates() >= issuedAtStart + 2);
            int before = succeeded.get();
            await().atMost(Duration.ofSeconds(10)).until(() -> succeeded.get() > before + 20);
        } finally {
            running.set(false);
            for (Thread thread : load) {
                thread.join(TimeUnit.SECONDS.toMillis(10));
            }
        }
        assertThat(failures).as("failed requests during rotation").isEmpty();
        assertThat(succeeded.get()).isPositive();
    }

    private static double issuedCertificates() throws IOException, InterruptedException {
        String metrics = get(direct, URI.create("http://127.0.0.1:" + mesh.monitoringPort() + "/metrics")).body();
        Matcher matcher = Pattern.compile("(?m)^citadel_server_success_cert_issuance_count(?:\\{[^}]*})? (\\S+)$")
                .matcher(metrics);
        return matcher.find() ? Double.parseDouble(matcher.group(1)) : 0;
    }

    private static String run(List<String> command, String input) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getOutputStream().write(input.getBytes(StandardCharsets.UTF_8));
        process.getOutputStream().close();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return output;
    }
}
