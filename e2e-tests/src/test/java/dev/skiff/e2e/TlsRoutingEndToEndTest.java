package dev.skiff.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.skiff.e2e.backend.TlsBackend;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * VirtualService {@code tls} routes: the client's sidecar reads the SNI of the ClientHello that comes through a
 * CONNECT tunnel and relays the connection, unterminated, to the backend its route names; the client's handshake
 * completes with that backend's own certificate.
 */
class TlsRoutingEndToEndTest {
    private static final String CLIENT = "127.0.55.1";
    private static final String BACKEND_A = "127.0.55.2";
    private static final String BACKEND_B = "127.0.55.3";

    @TempDir
    static Path work;
    static LocalMesh mesh;
    static TlsBackend a;
    static TlsBackend b;
    static SSLContext trustingBoth;

    @BeforeAll
    static void startMesh() throws Exception {
        mesh = new LocalMesh(work);
        a = TlsBackend.start("backend-a", BACKEND_A, "a.example.com");
        b = TlsBackend.start("backend-b", BACKEND_B, "b.example.com");
        trustingBoth = trusting(a.certificate(), b.certificate());
        mesh.writeConfig("tls-routing.yaml", MeshYaml.documents("""
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: example}
                spec:
                  hosts: [a.example.com, b.example.com]
                  location: MESH_EXTERNAL
                  resolution: STATIC
                  ports: [{number: 443, name: tls, protocol: TLS}]
                  workloadSelector:
                    labels: {app: example}
                """, MeshYaml.client("client", CLIENT), """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: example}
                spec:
                  hosts: [a.example.com, b.example.com]
                  tls:
                  - match:
                    - sniHosts: [a.example.com]
                    route:
                    - destination: {host: tls-a.default.svc.cluster.local}
                  - match:
                    - sniHosts: [b.example.com]
                    route:
                    - destination: {host: tls-b.default.svc.cluster.local}
                """) + backend("tls-a", BACKEND_A, a.port()) + backend("tls-b", BACKEND_B, b.port()));
        mesh.startControlPlane();
        mesh.startProxy("client.default", CLIENT);
    }

    /** A TLS service {@code <name>.default.svc.cluster.local:8443} served by one backend that has no sidecar. */
    private static String backend(String name, String address, int port) {
        return """
                ---
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: %1$s}
                spec:
                  hosts: [%1$s.default.svc.cluster.local]
                  location: MESH_INTERNAL
                  resolution: STATIC
                  ports: [{number: 8443, name: tls, protocol: TLS}]
                  workloadSelector:
                    labels: {app: %1$s}
                ---
                apiVersion: networking.istio.io/v1
                kind: WorkloadEntry
                metadata: {name: %1$s}
                spec:
                  address: %2$s
                  labels: {app: %1$s}
                  ports: {tls: %3$d}
                """.formatted(name, address, port);
    }

    @AfterAll
    static void stopMesh() throws Exception {
        Teardown.closeAll(mesh, a, b);
    }

    private static SSLContext trusting(X509Certificate... certificates) throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        for (int i = 0; i < certificates.length; i++) {
            store.setCertificateEntry("backend-" + i, certificates[i]);
        }
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(store);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trust.getTrustManagers(), null);
        return context;
    }

    /** A CONNECT tunnel to {@code host:443} through the client's sidecar, then a TLS handshake with SNI host. */
    private static SSLSocket tlsThroughSidecar(String host) throws IOException {
        Socket tunnel = new Socket(CLIENT, 15001);
        tunnel.setSoTimeout((int) Duration.ofSeconds(10).toMillis());
        OutputStream out = tunnel.getOutputStream();
        out.write(("CONNECT " + host + ":443 HTTP/1.1\r\nHost: " + host + ":443\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.flush();
        InputStream in = tunnel.getInputStream();
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int next = in.read();
            if (next < 0) {
                tunnel.close();
                throw new IOException("tunnel closed before its response head: " + head + mesh.logs());
            }
            head.append((char) next);
        }
        assertThat(head.toString()).startsWith("HTTP/1.1 200");
        SSLSocket tls = (SSLSocket) trustingBoth.getSocketFactory().createSocket(tunnel, host, 443, true);
        SSLParameters parameters = tls.getSSLParameters();
        parameters.setServerNames(List.of(new SNIHostName(host)));
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        tls.setSSLParameters(parameters);
        tls.startHandshake();
        return tls;
    }

    private static String ask(SSLSocket tls, String line) throws IOException {
        tls.getOutputStream().write((line + "\n").getBytes(StandardCharsets.UTF_8));
        tls.getOutputStream().flush();
        return new BufferedReader(new InputStreamReader(tls.getInputStream(), StandardCharsets.UTF_8)).readLine();
    }

    @Test
    void eachServerNameReachesItsBackendWhoseCertificateTheClientVerifies() throws Exception {
        try (SSLSocket tls = tlsThroughSidecar("a.example.com")) {
            assertThat(tls.getSession().getPeerCertificates()[0]).isEqualTo(a.certificate());
            assertThat(ask(tls, "hello")).isEqualTo("backend-a a.example.com hello");
        }
        try (SSLSocket tls = tlsThroughSidecar("b.example.com")) {
            assertThat(tls.getSession().getPeerCertificates()[0]).isEqualTo(b.certificate());
            assertThat(ask(tls, "hello")).isEqualTo("backend-b b.example.com hello");
        }
    }

    @Test
    void aTunnelCarriesTheWholeTlsSessionBothWays() throws Exception {
        try (SSLSocket tls = tlsThroughSidecar("b.example.com")) {
            for (int i = 0; i < 20; i++) {
                assertThat(ask(tls, "line " + i)).isEqualTo("backend-b b.example.com line " + i);
            }
        }
    }

    @Test
    void bothConfigDumpsShowTheSniChainsAndTheTlsInspector() throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        String syncz = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + mesh.monitoringPort()
                + "/debug/syncz")).build(), HttpResponse.BodyHandlers.ofString()).body();
        Matcher nodeId = Pattern.compile("\"proxyID\"\\s*:\\s*\"(sidecar~[^\"~]*~client\\.default~[^\"]*)\"")
                .matcher(syncz);
        assertThat(nodeId.find()).as(syncz).isTrue();
        for (URI uri : List.of(URI.create("http://" + CLIENT + ":15000/config_dump"),
                URI.create("http://127.0.0.1:" + mesh.monitoringPort() + "/debug/config_dump?proxyID="
                        + URLEncoder.encode(nodeId.group(1), StandardCharsets.UTF_8)))) {
            HttpResponse<String> dump = http.send(HttpRequest.newBuilder(uri).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(dump.statusCode()).as(uri + ": " + dump.body()).isEqualTo(200);
            assertThat(dump.body()).as(uri.toString())
                    .contains("envoy.filters.listener.tls_inspector", "sni|443|a.example.com",
                            "outbound|8443||tls-b.default.svc.cluster.local");
        }
    }

    @Test
    void aServerNameNoRouteServesIsRefused() {
        assertThatThrownBy(() -> {
            try (SSLSocket tls = tlsThroughSidecar("c.example.com")) {
                ask(tls, "hello");
            }
        }).isInstanceOf(IOException.class);
    }
}
