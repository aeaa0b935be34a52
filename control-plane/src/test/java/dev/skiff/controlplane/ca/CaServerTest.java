package dev.skiff.controlplane.ca;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.skiff.api.security.v1alpha1.IstioCertificateRequest;
import dev.skiff.api.security.v1alpha1.IstioCertificateResponse;
import dev.skiff.api.security.v1alpha1.IstioCertificateServiceGrpc;
import dev.skiff.controlplane.telemetry.ControlPlaneMetrics;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.stub.AbstractStub;
import io.grpc.stub.MetadataUtils;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The certificate service over real TLS gRPC on loopback, as a workload's agent calls it. */
class CaServerTest {
    private static final String REVIEWS = "spiffe://cluster.local/ns/default/sa/bookinfo-reviews";

    @TempDir
    Path state;

    private final List<AutoCloseable> resources = new ArrayList<>();
    private final ControlPlaneMetrics metrics = new ControlPlaneMetrics();

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable resource : resources.reversed()) {
            resource.close();
        }
        metrics.close();
    }

    @Test
    void signsACsrForTheTokensIdentityOverTls() throws Exception {
        CaServer server = start(CaServerOptions.defaults(), List.of());
        String token = server.tokens().mint("reviews-v1", "default", "bookinfo-reviews", Duration.ofHours(1));
        KeyPair key = CertificateAuthority.newEcKeyPair();

        IstioCertificateResponse response = stub(server, null, token).createCertificate(
                IstioCertificateRequest.newBuilder().setCsr(TestPki.csrPem(key, TestPki.uri(REVIEWS))).build());

        List<X509Certificate> chain = chain(response);
        assertThat(chain).hasSize(2);
        assertThat(TestPki.uriSans(chain.getFirst())).containsExactly(REVIEWS);
        assertThat(chain.getFirst().getPublicKey()).isEqualTo(key.getPublic());
        assertThat(chain.getLast()).isEqualTo(server.authority().rootCertificates().getFirst());
        assertThat(Pem.certificates(Files.readString(server.trustBundleFile()), "trust bundle"))
                .containsExactly(chain.getLast());
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(server.trustBundleFile())))
                .isEqualTo("rw-r--r--");
        TestPki.validate(chain);
        Path leaf = Files.writeString(state.resolve("leaf.pem"), response.getCertChain(0));
        assertThat(openssl("verify", "-CAfile", server.trustBundleFile().toString(), leaf.toString()))
                .isEqualTo(leaf + ": OK");
    }

    @Test
    void theServerCertificateNamesIstiodAndTheBoundAddress() throws Exception {
        CaServer server = start(CaServerOptions.defaults(), List.of());
        String token = server.tokens().mint("reviews-v1", "default", "bookinfo-reviews", Duration.ofHours(1));
        IstioCertificateRequest request = IstioCertificateRequest.newBuilder()
                .setCsr(TestPki.csrPem(CertificateAuthority.newEcKeyPair())).build();

        assertThat(stub(server, "istiod.istio-system.svc", token).createCertificate(request).getCertChainCount())
                .isEqualTo(2);
        assertThat(stub(server, null, token).createCertificate(request).getCertChainCount()).isEqualTo(2);
        assertThatThrownBy(() -> stub(server, "other.example", token).createCertificate(request))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode())
                        .isEqualTo(Status.Code.UNAVAILABLE));
    }

    @Test
    void honoursTheRequestedValidityUpToTheCap() throws Exception {
        CaServer server = start(CaServerOptions.defaults()
                .withSettings(CaSettings.defaults().withMaxWorkloadTtl(Duration.ofHours(48))), List.of());
        String token = server.tokens().mint("reviews-v1", "default", "bookinfo-reviews", Duration.ofHours(1));
        var stub = stub(server, null, token);

        X509Certificate capped = chain(stub.createCertificate(IstioCertificateRequest.newBuilder()
                .setCsr(TestPki.csrPem(CertificateAuthority.newEcKeyPair()))
                .setValidityDuration(Duration.ofDays(30).toSeconds()).build())).getFirst();
        X509Certificate asked = chain(stub.createCertificate(IstioCertificateRequest.newBuilder()
                .setCsr(TestPki.csrPem(CertificateAuthority.newEcKeyPair()))
                .setValidityDuration(Duration.ofHours(2).toSeconds()).build())).getFirst();
        X509Certificate defaulted = chain(stub.createCertificate(IstioCertificateRequest.newBuilder()
                .setCsr(TestPki.csrPem(CertificateAuthority.newEcKeyPair())).build())).getFirst();

        assertThat(lifetime(capped)).isEqualTo(Duration.ofHours(48).plus(CertificateAuthority.BACKDATE));
        assertThat(lifetime(asked)).isEqualTo(Duration.ofHours(2).plus(CertificateAuthority.BACKDATE));
        assertThat(lifetime(defaulted)).isEqualTo(Duration.ofHours(24).plus(CertificateAuthority.BACKDATE));
    }

    @Test
    void refusesACsrForAnotherIdentity() throws Exception {
        CaServer server = start(CaServerOptions.defaults(), List.of());
        String token = server.tokens().mint("reviews-v1", "default", "bookinfo-reviews", Duration.ofHours(1));
        IstioCertificateRequest request = IstioCertificateRequest.newBuilder().setCsr(TestPki.csrPem(
                CertificateAuthority.newEcKeyPair(), TestPki.uri("spiffe://cluster.local/ns/istio-system/sa/istiod")))
                .build();

        assertThatThrownBy(() -> stub(server, null, token).createCertificate(request))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
                    assertThat(e.getStatus().getDescription())
                            .contains("asks for URI spiffe://cluster.local/ns/istio-system/sa/istiod")
                            .contains("authenticated as " + REVIEWS);
                });
    }

    @Test
    void refusesAnUnreadableCsr() throws Exception {
        CaServer server = start(CaServerOptions.defaults(), List.of());
        String token = server.tokens().mint("reviews-v1", "default", "bookinfo-reviews", Duration.ofHours(1));

        assertThatThrownBy(() -> stub(server, null, token).createCertificate(
                IstioCertificateRequest.newBuilder().setCsr("not a csr").build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                    assertThat(e.getStatus().getDescription())
                            .contains("csr: expected exactly one PEM CERTIFICATE REQUEST block");
                });
    }

    @Test
    void refusesCallersWithoutAValidToken() throws Exception {
        CaServer server = start(CaServerOptions.defaults(), List.of());
        IstioCertificateRequest request = IstioCertificateRequest.newBuilder()
                .setCsr(TestPki.csrPem(CertificateAuthority.newEcKeyPair())).build();
        String expired = BootstrapTokens.loadOrCreate(state,
                        Clock.fixed(Instant.now().minus(Duration.ofHours(2)), java.time.ZoneOffset.UTC))
                .mint("reviews-v1", "default", "bookinfo-reviews", Duration.ofHours(1));
        String forged = BootstrapTokens.loadOrCreate(state.resolve("other"), Clock.systemUTC())
                .mint("reviews-v1", "default", "bookinfo-reviews", Duration.ofHours(1));

        assertUnauthenticated(() -> stub(server, null, null).createCertificate(request),
                "no authorization metadata");
        assertUnauthenticated(() -> stub(server, null, expired).createCertificate(request),
                "the bearer token expired at");
        assertUnauthenticated(() -> stub(server, null, forged).createCertificate(request),
                "signature does not verify");
    }

    @Test
    void countsRequestsOutcomesAndExpiriesUnderIstiodsMetricNames() throws Exception {
        CaServer server = start(CaServerOptions.defaults(), List.of());
        String token = server.tokens().mint("reviews-v1", "default", "bookinfo-reviews", Duration.ofHours(1));
        var stub = stub(server, null, token);
        stub.createCertificate(IstioCertificateRequest.newBuilder()
                .setCsr(TestPki.csrPem(CertificateAuthority.newEcKeyPair())).build());
        assertThatThrownBy(() -> stub.createCertificate(IstioCertificateRequest.newBuilder().setCsr(TestPki.csrPem(
                CertificateAuthority.newEcKeyPair(), TestPki.uri("spiffe://cluster.local/ns/default/sa/admin")))
                .build())).isInstanceOf(StatusRuntimeException.class);
        assertThatThrownBy(() -> stub.createCertificate(IstioCertificateRequest.newBuilder().setCsr("junk").build()))
                .isInstanceOf(StatusRuntimeException.class);
        assertThatThrownBy(() -> stub.createCertificate(IstioCertificateRequest.newBuilder()
                .setCsr(TestPki.csrPem(CertificateAuthority.newEcKeyPair())).setValidityDuration(-1).build()))
                .isInstanceOf(StatusRuntimeException.class);
        assertThatThrownBy(() -> stub(server, null, null).createCertificate(IstioCertificateRequest.newBuilder()
                .setCsr(TestPki.csrPem(CertificateAuthority.newEcKeyPair())).build()))
                .isInstanceOf(StatusRuntimeException.class);

        assertThat(count("citadel_server_csr_count")).isEqualTo(5);
        assertThat(count("citadel_server_success_cert_issuance_count")).isEqualTo(1);
        assertThat(count("citadel_server_id_extraction_err_count")).isEqualTo(1);
        assertThat(count("citadel_server_csr_parsing_err_count")).isEqualTo(1);
        assertThat(metrics.registry().get("citadel_server_csr_sign_err_count").tag("error", "TTL_ERROR").counter()
                .count()).isEqualTo(1);
        assertThat(count("citadel_server_authentication_failure_count")).isEqualTo(1);
        long rootExpiry = server.authority().rootCertificates().getFirst().getNotAfter().toInstant().getEpochSecond();
        assertThat(metrics.registry().get("citadel_server_root_cert_expiry_timestamp").gauge().value())
                .isEqualTo(rootExpiry);
        assertThat(metrics.registry().get("citadel_server_cert_chain_expiry_timestamp").gauge().value())
                .isEqualTo(rootExpiry);
        assertThat(metrics.scrape()).contains("citadel_server_csr_count 5");
    }

    @Test
    void servesExtraServicesOnTheSameTlsPortBehindTheSameAuthentication() throws Exception {
        HealthStatusManager health = new HealthStatusManager();
        CaServer server = start(CaServerOptions.defaults(), List.of(health.getHealthService()));
        String token = server.tokens().mint("reviews-v1", "default", "bookinfo-reviews", Duration.ofHours(1));
        HealthGrpc.HealthBlockingStub stub = HealthGrpc.newBlockingStub(channel(server, null))
                .withDeadlineAfter(10, TimeUnit.SECONDS);

        HealthCheckResponse response = withToken(stub, token).check(HealthCheckRequest.getDefaultInstance());

        assertThat(response.getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
        assertUnauthenticated(() -> stub.check(HealthCheckRequest.getDefaultInstance()),
                "no authorization metadata");
        assertThat(count("citadel_server_authentication_failure_count")).isZero();
    }

    @Test
    void renewingTheServerCertificateServesTheNewOneToNewConnections() throws Exception {
        CaServer server = start(CaServerOptions.defaults(), List.of());
        String token = server.tokens().mint("reviews-v1", "default", "bookinfo-reviews", Duration.ofHours(1));
        X509Certificate before = serverCertificate(server);

        server.renew();

        X509Certificate after = serverCertificate(server);
        assertThat(after.getSerialNumber()).isNotEqualTo(before.getSerialNumber());
        assertThat(after.getPublicKey()).isNotEqualTo(before.getPublicKey());
        assertThat(after.getSubjectAlternativeNames()).containsExactlyElementsOf(before.getSubjectAlternativeNames())
                .contains(List.of(2, "istiod.istio-system.svc"), List.of(7, "127.0.0.1"));
        assertThat(stub(server, "istiod.istio-system.svc", token).createCertificate(IstioCertificateRequest
                .newBuilder().setCsr(TestPki.csrPem(CertificateAuthority.newEcKeyPair())).build())
                .getCertChainCount()).isEqualTo(2);
    }

    @Test
    void aPluggedIntermediateSignsAndOpensslVerifiesTheChain() throws Exception {
        Path cacerts = state.resolve("cacerts");
        List<X509Certificate> pki = TestPki.writeCacerts(cacerts, Instant.now(), Duration.ofDays(365));
        CaServer server = start(CaServerOptions.defaults().withCacerts(cacerts), List.of());
        String token = server.tokens().mint("reviews-v1", "default", "bookinfo-reviews", Duration.ofHours(1));

        IstioCertificateResponse response = stub(server, null, token).createCertificate(IstioCertificateRequest
                .newBuilder().setCsr(TestPki.csrPem(CertificateAuthority.newEcKeyPair())).build());

        List<X509Certificate> chain = chain(response);
        assertThat(chain.subList(1, 3)).containsExactlyElementsOf(pki);
        assertThat(state.resolve("ca")).doesNotExist();
        TestPki.validate(chain);
        Path leaf = Files.writeString(state.resolve("leaf.pem"), response.getCertChain(0));
        Path intermediate = Files.writeString(state.resolve("intermediate.pem"), response.getCertChain(1));
        assertThat(openssl("verify", "-CAfile", server.trustBundleFile().toString(), "-untrusted",
                intermediate.toString(), leaf.toString())).isEqualTo(leaf + ": OK");
        assertThat(openssl("verify", "-CAfile", server.trustBundleFile().toString(), leaf.toString()))
                .contains("unable to get local issuer certificate");
    }

    private CaServer start(CaServerOptions options, List<io.grpc.BindableService> extra) throws IOException {
        CaServer server = CaServer.create(state,
                options.withAddress(new InetSocketAddress("127.0.0.1", 0)), extra, metrics).start();
        resources.add(server);
        return server;
    }

    private ManagedChannel channel(CaServer server, String authority) throws IOException {
        var builder = Grpc.newChannelBuilderForAddress("127.0.0.1", server.port(),
                TlsChannelCredentials.newBuilder().trustManager(server.trustBundleFile().toFile()).build());
        if (authority != null) {
            builder.overrideAuthority(authority);
        }
        ManagedChannel channel = builder.build();
        resources.add(() -> {
            channel.shutdownNow();
            channel.awaitTermination(5, TimeUnit.SECONDS);
        });
        return channel;
    }

    private IstioCertificateServiceGrpc.IstioCertificateServiceBlockingStub stub(CaServer server, String authority,
                                                                                String token) throws IOException {
        var stub = IstioCertificateServiceGrpc.newBlockingStub(channel(server, authority))
                .withDeadlineAfter(10, TimeUnit.SECONDS);
        return token == null ? stub : withToken(stub, token);
    }

    private static <S extends AbstractStub<S>> S withToken(S stub, String token) {
        Metadata headers = new Metadata();
        headers.put(BearerTokenInterceptor.AUTHORIZATION, "Bearer " + token);
        return stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
    }

    /** The certificate the port presents to a new TLS connection, checked against the trust bundle. */
    private static X509Certificate serverCertificate(CaServer server) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("root", server.authority().rootCertificates().getFirst());
        TrustManagerFactory trustManagers = TrustManagerFactory.getInstance("PKIX");
        trustManagers.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trustManagers.getTrustManagers(), null);
        try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", server.port())) {
            SSLParameters parameters = socket.getSSLParameters();
            parameters.setApplicationProtocols(new String[] {"h2"});
            socket.setSSLParameters(parameters);
            socket.startHandshake();
            return (X509Certificate) socket.getSession().getPeerCertificates()[0];
        }
    }

    private static List<X509Certificate> chain(IstioCertificateResponse response) {
        return response.getCertChainList().stream()
                .map(pem -> Pem.certificates(pem, "cert_chain").getFirst())
                .toList();
    }

    private double count(String name) {
        return metrics.registry().get(name).counter().count();
    }

    private static Duration lifetime(X509Certificate cert) {
        return Duration.between(cert.getNotBefore().toInstant(), cert.getNotAfter().toInstant());
    }

    private static void assertUnauthenticated(org.assertj.core.api.ThrowableAssert.ThrowingCallable call,
                                              String message) {
        assertThatThrownBy(call).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
            assertThat(e.getStatus().getDescription()).contains(message);
        });
    }

    /** Runs openssl and returns its trimmed output; skips the test when openssl is not on the PATH. */
    private static String openssl(String... args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add("openssl");
        command.addAll(List.of(args));
        Process process;
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            Assumptions.abort("openssl is not on the PATH, so the chain is not checked with it: " + e.getMessage());
            throw e;
        }
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return output;
    }
}
