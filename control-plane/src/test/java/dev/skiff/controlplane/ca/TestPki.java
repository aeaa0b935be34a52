package dev.skiff.controlplane.ca;

import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.cert.CertPath;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXCertPathValidatorResult;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Set;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.ExtensionsGenerator;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/** Keys, CSRs and CA certificates made in tests with Bouncy Castle, and chain validation with the JDK. */
final class TestPki {
    private TestPki() {
    }

    /** A CSR for a fresh EC P-256 key, asking for the given subject alternative names. */
    static PKCS10CertificationRequest csr(KeyPair key, GeneralName... sans) throws Exception {
        JcaPKCS10CertificationRequestBuilder builder =
                new JcaPKCS10CertificationRequestBuilder(new X500Name("O=cluster.local"), key.getPublic());
        if (sans.length > 0) {
            ExtensionsGenerator extensions = new ExtensionsGenerator();
            extensions.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(sans));
            builder.addAttribute(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest, extensions.generate());
        }
        return builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(key.getPrivate()));
    }

    static GeneralName uri(String uri) {
        return new GeneralName(GeneralName.uniformResourceIdentifier, uri);
    }

    static String csrPem(KeyPair key, GeneralName... sans) throws Exception {
        return Pem.encode(csr(key, sans));
    }

    /** A CA certificate for {@code subject}'s key, signed by {@code issuerKey} as {@code issuer}. */
    static X509Certificate caCertificate(String subject, KeyPair subjectKey, String issuer, PrivateKey issuerKey,
                                         Instant now, Duration ttl) throws Exception {
        X509v3CertificateBuilder builder = new X509v3CertificateBuilder(new X500Name(issuer),
                BigInteger.valueOf(now.toEpochMilli()), Date.from(now.minusSeconds(60)), Date.from(now.plus(ttl)),
                new X500Name(subject), SubjectPublicKeyInfo.getInstance(subjectKey.getPublic().getEncoded()))
                .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
                .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        return new JcaX509CertificateConverter().getCertificate(
                builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKey)));
    }

    /** A root and an intermediate written as Istio's cacerts files; returns [intermediate, root]. */
    static List<X509Certificate> writeCacerts(Path dir, Instant now, Duration intermediateTtl) throws Exception {
        KeyPair rootKey = CertificateAuthority.newEcKeyPair();
        KeyPair intermediateKey = CertificateAuthority.newEcKeyPair();
        X509Certificate root = caCertificate("O=Example Root CA", rootKey, "O=Example Root CA",
                rootKey.getPrivate(), now, Duration.ofDays(3650));
        X509Certificate intermediate = caCertificate("O=Example Intermediate CA,CN=cluster-1", intermediateKey,
                "O=Example Root CA", rootKey.getPrivate(), now, intermediateTtl);
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("ca-cert.pem"), Pem.encode(intermediate));
        Files.writeString(dir.resolve("ca-key.pem"), Pem.encodePrivateKey(intermediateKey.getPrivate()));
        Files.writeString(dir.resolve("root-cert.pem"), Pem.encode(root));
        Files.writeString(dir.resolve("cert-chain.pem"), Pem.encode(intermediate) + Pem.encode(root));
        return List.of(intermediate, root);
    }

    /** Validates the chain (leaf first, root last) with the JDK's PKIX validator, the root as trust anchor. */
    static PKIXCertPathValidatorResult validate(List<X509Certificate> chain) throws Exception {
        CertPath path = CertificateFactory.getInstance("X.509").generateCertPath(chain.subList(0, chain.size() - 1));
        PKIXParameters parameters = new PKIXParameters(Set.of(new TrustAnchor(chain.getLast(), null)));
        parameters.setRevocationEnabled(false);
        return (PKIXCertPathValidatorResult) CertPathValidator.getInstance("PKIX").validate(path, parameters);
    }

    /** The URI subject alternative names of a certificate. */
    static List<String> uriSans(X509Certificate cert) throws Exception {
        return cert.getSubjectAlternativeNames().stream()
                .filter(entry -> (Integer) entry.get(0) == GeneralName.uniformResourceIdentifier)
                .map(entry -> (String) entry.get(1))
                .toList();
    }
}
