package dev.skiff.proxy.security;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;

import java.io.StringReader;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/** A small CA for tests: a self-signed EC root that certifies keys for one SPIFFE identity, as Skiff's CA does. */
final class TestCa implements CertificateSigner {

    private final KeyPair rootKey;
    private final X509Certificate root;
    private final String spiffeId;
    private final Clock clock;
    private final Duration lifetime;
    private final AtomicLong serial = new AtomicLong(1);
    final AtomicInteger calls = new AtomicInteger();
    volatile boolean failing;

    TestCa(String spiffeId, Clock clock, Duration lifetime) {
        this(newRoot("Test Root"), spiffeId, clock, lifetime);
    }

    private TestCa(Object[] root, String spiffeId, Clock clock, Duration lifetime) {
        this.rootKey = (KeyPair) root[0];
        this.root = (X509Certificate) root[1];
        this.spiffeId = spiffeId;
        this.clock = clock;
        this.lifetime = lifetime;
    }

    /** Another identity signed by the same root. */
    TestCa forIdentity(String otherSpiffeId) {
        return new TestCa(new Object[]{rootKey, root}, otherSpiffeId, clock, lifetime);
    }

    X509Certificate root() {
        return root;
    }

    @Override
    public List<X509Certificate> sign(String csrPem, Duration validity) throws CertificateRequestException {
        calls.incrementAndGet();
        if (failing) {
            throw new CertificateRequestException("UNAVAILABLE: test CA is down", null);
        }
        try (PEMParser parser = new PEMParser(new StringReader(csrPem))) {
            PKCS10CertificationRequest csr = (PKCS10CertificationRequest) parser.readObject();
            PublicKey key = new JcaPKCS10CertificationRequest(csr).getPublicKey();
            return List.of(issue(key), root);
        } catch (Exception e) {
            throw new CertificateRequestException("cannot sign: " + e.getMessage(), e);
        }
    }

    /** A certificate for this identity on {@code key}, valid from a minute ago for the lifetime. */
    X509Certificate issue(PublicKey key) throws Exception {
        Instant now = clock.instant();
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(root,
                BigInteger.valueOf(serial.incrementAndGet()), Date.from(now.minus(Duration.ofMinutes(1))),
                Date.from(now.plus(lifetime)), new X500Name(""), key);
        builder.addExtension(Extension.subjectAlternativeName, true,
                new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, spiffeId)));
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        return new JcaX509CertificateConverter().getCertificate(builder.build(
                new JcaContentSignerBuilder("SHA256withECDSA").build(rootKey.getPrivate())));
    }

    /** A workload certificate with a fresh key, as the agent would hold it. */
    WorkloadCertificate workloadCertificate() throws Exception {
        KeyPair pair = ecKey();
        return WorkloadCertificate.fromCaChain(pair.getPrivate(), List.of(issue(pair.getPublic()), root),
                clock.instant());
    }

    static KeyPair ecKey() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        return generator.generateKeyPair();
    }

    private static Object[] newRoot(String name) {
        try {
            KeyPair key = ecKey();
            Instant now = Instant.now();
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(new X500Name("O=test,CN=" + name),
                    BigInteger.ONE, Date.from(now.minus(Duration.ofDays(1))), Date.from(now.plus(Duration.ofDays(3650))),
                    new X500Name("O=test,CN=" + name), key.getPublic());
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            X509Certificate certificate = new JcaX509CertificateConverter().getCertificate(builder.build(
                    new JcaContentSignerBuilder("SHA256withECDSA").build(key.getPrivate())));
            return new Object[]{key, certificate};
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
