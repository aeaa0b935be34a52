package dev.skiff.controlplane.ca;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.interfaces.ECPublicKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.bouncycastle.asn1.x509.GeneralName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CertificateAuthorityTest {
    private static final SpiffeId REVIEWS = new SpiffeId("cluster.local", "default", "bookinfo-reviews");

    @TempDir
    Path dir;

    private final MutableClock clock = new MutableClock(Instant.now().truncatedTo(ChronoUnit.SECONDS));
    private final CaSettings settings = CaSettings.defaults().withClock(clock);

    @Test
    void createsAnEcP256RootValidForTenYearsAndKeepsItAcrossRestarts() throws Exception {
        CertificateAuthority first = CertificateAuthority.selfSigned(dir, settings);
        X509Certificate root = first.rootCertificates().getFirst();

        assertThat(root.getPublicKey()).isInstanceOf(ECPublicKey.class);
        assertThat(((ECPublicKey) root.getPublicKey()).getParams().getCurve().getField().getFieldSize())
                .isEqualTo(256);
        assertThat(root.getBasicConstraints()).isGreaterThanOrEqualTo(0);
        assertThat(root.getSubjectX500Principal().getName()).isEqualTo("O=cluster.local");
        assertThat(Duration.between(clock.instant(), root.getNotAfter().toInstant()))
                .isBetween(Duration.ofDays(3650).minusMinutes(1), Duration.ofDays(3650));
        assertThat(dir.resolve("ca/root-cert.pem")).exists();
        assertThat(dir.resolve("ca/root-key.pem")).exists();
        assertThat(Files.getPosixFilePermissions(dir.resolve("ca/root-key.pem")).toString())
                .isEqualTo("[OWNER_READ, OWNER_WRITE]");

        CertificateAuthority restarted = CertificateAuthority.selfSigned(dir, settings);

        assertThat(restarted.rootCertificates()).containsExactly(root);
        assertThat(restarted.rootCertificatesPem()).isEqualTo(first.rootCertificatesPem());
        IssuedCertificate issued = restarted.sign(TestPki.csr(CertificateAuthority.newEcKeyPair()), REVIEWS,
                Duration.ZERO);
        issued.leaf().verify(root.getPublicKey());
    }

    @Test
    void processesStartingTogetherEndUpWithTheSameRoot() throws Exception {
        try (var executor = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<CertificateAuthority>> starts = IntStream.range(0, 4)
                    .mapToObj(i -> executor.submit(() -> CertificateAuthority.selfSigned(dir, settings)))
                    .toList();
            X509Certificate root = starts.getFirst().get().rootCertificates().getFirst();
            for (Future<CertificateAuthority> start : starts) {
                assertThat(start.get().rootCertificates()).containsExactly(root);
            }
        }
        try (var files = Files.list(dir)) {
            assertThat(files.map(path -> path.getFileName().toString())).containsExactly("ca");
        }
    }

    @Test
    void signsTheAuthenticatedIdentityIntoTheUriSanAndTheChainEndsAtTheRoot() throws Exception {
        CertificateAuthority ca = CertificateAuthority.selfSigned(dir, settings);
        KeyPair key = CertificateAuthority.newEcKeyPair();

        IssuedCertificate issued = ca.sign(TestPki.csr(key, TestPki.uri(REVIEWS.uri())), REVIEWS, Duration.ZERO);

        assertThat(issued.chain()).hasSize(2);
        assertThat(issued.chain().getLast()).isEqualTo(ca.rootCertificates().getFirst());
        X509Certificate leaf = issued.leaf();
        assertThat(TestPki.uriSans(leaf)).containsExactly("spiffe://cluster.local/ns/default/sa/bookinfo-reviews");
        assertThat(leaf.getPublicKey()).isEqualTo(key.getPublic());
        assertThat(leaf.getBasicConstraints()).isEqualTo(-1);
        assertThat(leaf.getExtendedKeyUsage()).contains("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2");
        TestPki.validate(issued.chain());
    }

    @Test
    void aCsrWithoutSanGetsTheIdentityFromTheCaller() throws Exception {
        CertificateAuthority ca = CertificateAuthority.selfSigned(dir, settings);

        IssuedCertificate issued = ca.sign(TestPki.csr(CertificateAuthority.newEcKeyPair()), REVIEWS,
                Duration.ZERO);

        assertThat(TestPki.uriSans(issued.leaf())).containsExactly(REVIEWS.uri());
    }

    @Test
    void refusesACsrThatAsksForAnotherIdentityOrOtherNames() throws Exception {
        CertificateAuthority ca = CertificateAuthority.selfSigned(dir, settings);
        KeyPair key = CertificateAuthority.newEcKeyPair();

        assertThatThrownBy(() -> ca.sign(TestPki.csr(key, TestPki.uri("spiffe://cluster.local/ns/default/sa/admin")),
                REVIEWS, Duration.ZERO))
                .isInstanceOfSatisfying(CsrRejectedException.class, e -> assertThat(e.reason())
                        .isEqualTo(CsrRejectedException.Reason.IDENTITY_MISMATCH))
                .hasMessageContaining("asks for URI spiffe://cluster.local/ns/default/sa/admin")
                .hasMessageContaining("authenticated as spiffe://cluster.local/ns/default/sa/bookinfo-reviews");
        assertThatThrownBy(() -> ca.sign(TestPki.csr(key, TestPki.uri(REVIEWS.uri()),
                new GeneralName(GeneralName.dNSName, "reviews.default.svc")), REVIEWS, Duration.ZERO))
                .isInstanceOf(CsrRejectedException.class)
                .hasMessageContaining("DNS name reviews.default.svc");
        assertThatThrownBy(() -> ca.sign(TestPki.csr(key), new SpiffeId("other.domain", "default", "x"),
                Duration.ZERO))
                .isInstanceOf(CsrRejectedException.class)
                .hasMessageContaining("outside this CA's trust domain cluster.local");
    }

    @Test
    void refusesACsrSignedByAnotherKey() throws Exception {
        CertificateAuthority ca = CertificateAuthority.selfSigned(dir, settings);
        KeyPair key = CertificateAuthority.newEcKeyPair();
        KeyPair other = CertificateAuthority.newEcKeyPair();
        var forged = new org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder(
                new org.bouncycastle.asn1.x500.X500Name("O=x"), key.getPublic())
                .build(new org.bouncycastle.operator.jcajce.JcaContentSignerBuilder("SHA256withECDSA")
                        .build(other.getPrivate()));

        assertThatThrownBy(() -> ca.sign(forged, REVIEWS, Duration.ZERO))
                .isInstanceOfSatisfying(CsrRejectedException.class, e -> assertThat(e.reason())
                        .isEqualTo(CsrRejectedException.Reason.MALFORMED))
                .hasMessageContaining("signature does not verify");
    }

    @Test
    void honoursTheRequestedTtlUpToTheCap() throws Exception {
        CertificateAuthority ca = CertificateAuthority.selfSigned(dir,
                settings.withMaxWorkloadTtl(Duration.ofHours(48)));
        KeyPair key = CertificateAuthority.newEcKeyPair();

        assertThat(lifetime(ca.sign(TestPki.csr(key), REVIEWS, Duration.ZERO))).isEqualTo(Duration.ofHours(24));
        assertThat(lifetime(ca.sign(TestPki.csr(key), REVIEWS, Duration.ofHours(1)))).isEqualTo(Duration.ofHours(1));
        assertThat(lifetime(ca.sign(TestPki.csr(key), REVIEWS, Duration.ofDays(30))))
                .isEqualTo(Duration.ofHours(48));
        assertThatThrownBy(() -> ca.sign(TestPki.csr(key), REVIEWS, Duration.ofSeconds(-5)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("validity duration -5s (expected: >= 0 seconds");
    }

    @Test
    void aShorterCapAlsoShortensTheDefault() {
        CaSettings capped = settings.withMaxWorkloadTtl(Duration.ofHours(2));

        assertThat(capped.defaultWorkloadTtl()).isEqualTo(Duration.ofHours(2));
        assertThatThrownBy(() -> capped.withDefaultWorkloadTtl(Duration.ofHours(3)))
                .hasMessageContaining("exceeds the max workload certificate TTL");
    }

    @Test
    void loadsPluggedCacertsAndReturnsTheIntermediateInTheChain() throws Exception {
        Path cacerts = dir.resolve("cacerts");
        List<X509Certificate> pki = TestPki.writeCacerts(cacerts, clock.instant(), Duration.ofDays(365));

        CertificateAuthority ca = CertificateAuthority.plugged(cacerts, settings);
        IssuedCertificate issued = ca.sign(TestPki.csr(CertificateAuthority.newEcKeyPair()), REVIEWS,
                Duration.ZERO);

        assertThat(issued.chain()).hasSize(3);
        assertThat(issued.chain().subList(1, 3)).containsExactlyElementsOf(pki);
        assertThat(issued.leaf().getIssuerX500Principal()).isEqualTo(pki.getFirst().getSubjectX500Principal());
        assertThat(ca.rootCertificates()).containsExactly(pki.getLast());
        TestPki.validate(issued.chain());
        assertThat(dir.resolve("ca")).doesNotExist();
    }

    @Test
    void pluggedCacertsWithoutCertChainFileStillChainToTheRoot() throws Exception {
        Path cacerts = dir.resolve("cacerts");
        List<X509Certificate> pki = TestPki.writeCacerts(cacerts, clock.instant(), Duration.ofDays(365));
        Files.delete(cacerts.resolve("cert-chain.pem"));

        IssuedCertificate issued = CertificateAuthority.plugged(cacerts, settings)
                .sign(TestPki.csr(CertificateAuthority.newEcKeyPair()), REVIEWS, Duration.ZERO);

        assertThat(issued.chain().subList(1, 3)).containsExactlyElementsOf(pki);
    }

    @Test
    void noWorkloadCertificateOutlivesThePluggedIntermediate() throws Exception {
        Path cacerts = dir.resolve("cacerts");
        List<X509Certificate> pki = TestPki.writeCacerts(cacerts, clock.instant(), Duration.ofHours(3));

        IssuedCertificate issued = CertificateAuthority.plugged(cacerts, settings)
                .sign(TestPki.csr(CertificateAuthority.newEcKeyPair()), REVIEWS, Duration.ofHours(10));

        assertThat(issued.leaf().getNotAfter()).isEqualTo(pki.getFirst().getNotAfter());
    }

    @Test
    void pluggedCacertsWithAMismatchedKeyOrAMissingFileAreRefusedWithTheFileName() throws Exception {
        Path cacerts = dir.resolve("cacerts");
        TestPki.writeCacerts(cacerts, clock.instant(), Duration.ofDays(365));
        Files.writeString(cacerts.resolve("ca-key.pem"),
                Pem.encodePrivateKey(CertificateAuthority.newEcKeyPair().getPrivate()));

        assertThatThrownBy(() -> CertificateAuthority.plugged(cacerts, settings))
                .hasMessageContaining("ca-key.pem: the key does not belong to the certificate in")
                .hasMessageContaining("ca-cert.pem");

        Files.delete(cacerts.resolve("root-cert.pem"));
        assertThatThrownBy(() -> CertificateAuthority.plugged(cacerts, settings))
                .hasMessageContaining("root-cert.pem")
                .hasMessageContaining("missing");
    }

    @Test
    void pluggedCacertsWhoseRootDidNotSignTheChainAreRefused() throws Exception {
        Path cacerts = dir.resolve("cacerts");
        TestPki.writeCacerts(cacerts, clock.instant(), Duration.ofDays(365));
        Path other = dir.resolve("other");
        List<X509Certificate> otherPki = TestPki.writeCacerts(other, clock.instant(), Duration.ofDays(365));
        Files.writeString(cacerts.resolve("root-cert.pem"), Pem.encode(otherPki.getLast()));
        Files.delete(cacerts.resolve("cert-chain.pem"));

        assertThatThrownBy(() -> CertificateAuthority.plugged(cacerts, settings))
                .hasMessageContaining("root-cert.pem: no root signed");
    }

    private Duration lifetime(IssuedCertificate issued) {
        return Duration.between(clock.instant(), issued.leaf().getNotAfter().toInstant());
    }
}
