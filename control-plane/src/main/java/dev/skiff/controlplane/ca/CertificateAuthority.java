package dev.skiff.controlplane.ca;

import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.InvalidAlgorithmParameterException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Date;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1Set;
import org.bouncycastle.asn1.pkcs.Attribute;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.PKCSException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Signs workload certificates for SPIFFE identities. The signing key is either a self-signed root that the CA
 * creates on first start and keeps in the control plane's state directory, or a plugged intermediate read from
 * Istio's {@code cacerts} files. Immutable and safe to share between threads.
 */
public final class CertificateAuthority {
    /** Sub-directory of the state directory that holds the self-signed root. */
    public static final String SELF_SIGNED_DIR = "ca";
    public static final String ROOT_CERT_FILE = "root-cert.pem";
    public static final String ROOT_KEY_FILE = "root-key.pem";
    /** Istio's plugged-CA file names ({@code cacerts} secret). */
    public static final String CA_CERT_FILE = "ca-cert.pem";
    public static final String CA_KEY_FILE = "ca-key.pem";
    public static final String CERT_CHAIN_FILE = "cert-chain.pem";

    /** Certificates start this much in the past, so peers whose clocks run a little behind accept them. */
    static final Duration BACKDATE = Duration.ofMinutes(1);

    private static final Logger log = LoggerFactory.getLogger(CertificateAuthority.class);
    private static final int KEY_USAGE_KEY_CERT_SIGN = 5;

    private final CaSettings settings;
    private final PrivateKey signingKey;
    private final List<X509Certificate> signingChain;
    private final List<X509Certificate> roots;
    private final String rootsPem;
    private final String signatureAlgorithm;
    private final X500Name issuer;
    private final SecureRandom random = new SecureRandom();

    private CertificateAuthority(CaSettings settings, PrivateKey signingKey, List<X509Certificate> signingChain,
                                 List<X509Certificate> roots) {
        this.settings = settings;
        this.signingKey = signingKey;
        this.signingChain = List.copyOf(signingChain);
        this.roots = List.copyOf(roots);
        this.rootsPem = Pem.encodeAll(roots);
        this.signatureAlgorithm = signatureAlgorithm(signingKey);
        this.issuer = X500Name.getInstance(signingChain.getFirst().getSubjectX500Principal().getEncoded());
    }

    /**
     * Loads the self-signed root kept in {@code stateDir/ca}, creating it (EC P-256, valid for
     * {@link CaSettings#rootTtl()}) when it does not exist yet.
     */
    public static CertificateAuthority selfSigned(Path stateDir, CaSettings settings) throws IOException {
        Path caDir = StateFiles.directory(stateDir).resolve(SELF_SIGNED_DIR);
        if (!Files.exists(caDir)) {
            createSelfSignedRoot(stateDir, caDir, settings);
        }
        Path certFile = caDir.resolve(ROOT_CERT_FILE);
        Path keyFile = caDir.resolve(ROOT_KEY_FILE);
        X509Certificate root = Pem.certificates(read(certFile), certFile.toString()).getFirst();
        PrivateKey key = Pem.privateKey(read(keyFile), keyFile.toString());
        requireMatchingKey(root, key, certFile, keyFile);
        Instant now = settings.clock().instant();
        if (root.getNotAfter().toInstant().isBefore(now)) {
            throw new IllegalStateException(certFile + ": the self-signed root expired at "
                    + root.getNotAfter().toInstant() + "; move " + caDir + " away to create a new root (workloads "
                    + "must then be given the new root)");
        }
        log.info("CA: self-signed root {} (expires {}) from {}", root.getSubjectX500Principal(),
                root.getNotAfter().toInstant(), caDir);
        return new CertificateAuthority(settings, key, List.of(root), List.of(root));
    }

    /**
     * Loads a plugged CA from Istio's {@code cacerts} files in {@code dir}: {@code ca-cert.pem} (the signing
     * certificate), {@code ca-key.pem} (its key), {@code root-cert.pem} (the root or roots) and, optionally,
     * {@code cert-chain.pem} (the chain from the signing certificate up to the root).
     */
    public static CertificateAuthority plugged(Path dir, CaSettings settings) throws IOException {
        Path certFile = dir.resolve(CA_CERT_FILE);
        Path keyFile = dir.resolve(CA_KEY_FILE);
        Path rootFile = dir.resolve(ROOT_CERT_FILE);
        Path chainFile = dir.resolve(CERT_CHAIN_FILE);
        X509Certificate caCert = Pem.certificates(read(certFile), certFile.toString()).getFirst();
        PrivateKey key = Pem.privateKey(read(keyFile), keyFile.toString());
        List<X509Certificate> roots = Pem.certificates(read(rootFile), rootFile.toString());
        List<X509Certificate> chainCerts = Files.exists(chainFile)
                ? Pem.certificates(read(chainFile), chainFile.toString()) : List.of();
        requireMatchingKey(caCert, key, certFile, keyFile);
        if (caCert.getBasicConstraints() < 0) {
            throw new IllegalArgumentException(certFile + ": " + caCert.getSubjectX500Principal()
                    + " is not a CA certificate (expected basicConstraints CA:TRUE)");
        }
        boolean[] keyUsage = caCert.getKeyUsage();
        if (keyUsage != null && !keyUsage[KEY_USAGE_KEY_CERT_SIGN]) {
            throw new IllegalArgumentException(certFile + ": " + caCert.getSubjectX500Principal()
                    + " may not sign certificates (expected keyUsage keyCertSign)");
        }
        List<X509Certificate> chain = new ArrayList<>();
        chain.add(caCert);
        for (X509Certificate cert : chainCerts) {
            if (!cert.equals(caCert) && !roots.contains(cert)) {
                chain.add(cert);
            }
        }
        for (int i = 0; i + 1 < chain.size(); i++) {
            requireSignedBy(chain.get(i), chain.get(i + 1), chainFile);
        }
        X509Certificate top = chain.getLast();
        X509Certificate root = roots.stream()
                .filter(candidate -> candidate.getSubjectX500Principal().equals(top.getIssuerX500Principal())
                        && verifies(top, candidate.getPublicKey()))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException(rootFile + ": no root signed "
                        + top.getSubjectX500Principal() + " (expected the root of " + certFile + " and "
                        + chainFile + ")"));
        if (!root.equals(top)) {
            chain.add(root);
        }
        Instant now = settings.clock().instant();
        for (X509Certificate cert : chain) {
            if (cert.getNotAfter().toInstant().isBefore(now)) {
                throw new IllegalArgumentException(dir + ": " + cert.getSubjectX500Principal() + " expired at "
                        + cert.getNotAfter().toInstant());
            }
        }
        log.info("CA: plugged signing certificate {} (expires {}), chain of {} to root {}",
                caCert.getSubjectX500Principal(), caCert.getNotAfter().toInstant(), chain.size(),
                root.getSubjectX500Principal());
        return new CertificateAuthority(settings, key, chain, roots);
    }

    /**
     * Signs the key of {@code csr} for {@code identity}. The CSR's signature must verify with its own key, and any
     * subject alternative name it asks for must be {@code identity}'s SPIFFE URI; its subject and other fields are
     * ignored.
     *
     * @param requestedTtl the validity asked for; zero for the default, longer than the max is shortened
     * @return the leaf (URI SAN = the identity) and the chain to the root
     */
    public IssuedCertificate sign(PKCS10CertificationRequest csr, SpiffeId identity, Duration requestedTtl)
            throws CsrRejectedException {
        Objects.requireNonNull(identity, "identity");
        if (!identity.trustDomain().equals(settings.trustDomain())) {
            throw new CsrRejectedException(CsrRejectedException.Reason.IDENTITY_MISMATCH, "identity " + identity
                    + " is outside this CA's trust domain " + settings.trustDomain());
        }
        requireProofOfPossession(csr);
        requireOnlyIdentity(csr, identity);
        Duration ttl = settings.workloadTtl(requestedTtl);
        GeneralNames names = new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, identity.uri()));
        return issue(csr.getSubjectPublicKeyInfo(), names, ttl);
    }

    /**
     * Issues a certificate for a server of the control plane itself: DNS and IP subject alternative names, usable
     * for TLS server and client authentication.
     */
    public IssuedCertificate issueServing(PublicKey key, List<String> dnsNames, List<InetAddress> addresses,
                                          Duration ttl) {
        List<GeneralName> names = new ArrayList<>();
        dnsNames.forEach(name -> names.add(new GeneralName(GeneralName.dNSName, name)));
        addresses.forEach(address -> names.add(new GeneralName(GeneralName.iPAddress, address.getHostAddress())));
        if (names.isEmpty()) {
            throw new IllegalArgumentException("serving certificate without names (expected: DNS names or addresses)");
        }
        return issue(SubjectPublicKeyInfo.getInstance(key.getEncoded()),
                new GeneralNames(names.toArray(GeneralName[]::new)), ttl);
    }

    /** The trust anchors, one PEM block each: what peers need to verify certificates this CA issues. */
    public String rootCertificatesPem() {
        return rootsPem;
    }

    public List<X509Certificate> rootCertificates() {
        return roots;
    }

    public String trustDomain() {
        return settings.trustDomain();
    }

    public CaSettings settings() {
        return settings;
    }

    /** When the signing certificate expires: no certificate this CA issues is valid longer. */
    public Instant signingCertificateExpiry() {
        return signingChain.stream().map(cert -> cert.getNotAfter().toInstant())
                .min(Comparator.naturalOrder()).orElseThrow();
    }

    private IssuedCertificate issue(SubjectPublicKeyInfo key, GeneralNames names, Duration ttl) {
        Instant now = settings.clock().instant();
        Instant expiry = signingCertificateExpiry();
        if (!expiry.isAfter(now)) {
            throw new IllegalStateException("the CA's signing certificate expired at " + expiry
                    + " (expected: a valid signing certificate; replace the CA)");
        }
        Instant notAfter = now.plus(ttl);
        if (notAfter.isAfter(expiry)) {
            notAfter = expiry;
        }
        X509Certificate signer = signingChain.getFirst();
        try {
            JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder builder = new X509v3CertificateBuilder(issuer, serial(),
                    Date.from(now.minus(BACKDATE)), Date.from(notAfter), new X500Name(new RDN[0]), key)
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.keyUsage, true,
                            new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment))
                    .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(
                            new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}))
                    .addExtension(Extension.authorityKeyIdentifier, false,
                            extensions.createAuthorityKeyIdentifier(signer))
                    // The subject is empty, so RFC 5280 requires the alternative names to be critical.
                    .addExtension(Extension.subjectAlternativeName, true, names);
            X509Certificate leaf = sign(builder);
            List<X509Certificate> chain = new ArrayList<>(signingChain.size() + 1);
            chain.add(leaf);
            chain.addAll(signingChain);
            return new IssuedCertificate(chain);
        } catch (CertIOException | NoSuchAlgorithmException | CertificateException e) {
            throw new IllegalStateException("cannot build a certificate for " + describe(names) + ": "
                    + e.getMessage(), e);
        }
    }

    private X509Certificate sign(X509v3CertificateBuilder builder) throws CertificateException {
        try {
            ContentSigner signer = new JcaContentSignerBuilder(signatureAlgorithm).build(signingKey);
            return new JcaX509CertificateConverter().getCertificate(builder.build(signer));
        } catch (OperatorCreationException e) {
            throw new IllegalStateException("cannot sign with the CA key (" + signatureAlgorithm + "): "
                    + e.getMessage(), e);
        }
    }

    private BigInteger serial() {
        return new BigInteger(127, random).add(BigInteger.ONE);
    }

    private static void requireProofOfPossession(PKCS10CertificationRequest csr) throws CsrRejectedException {
        try {
            if (!csr.isSignatureValid(new JcaContentVerifierProviderBuilder().build(csr.getSubjectPublicKeyInfo()))) {
                throw new CsrRejectedException(CsrRejectedException.Reason.MALFORMED,
                        "the CSR's signature does not verify with its public key (expected a CSR signed by the key "
                                + "it asks to certify)");
            }
        } catch (OperatorCreationException | PKCSException e) {
            throw new CsrRejectedException(CsrRejectedException.Reason.MALFORMED,
                    "cannot verify the CSR's signature: " + e.getMessage());
        }
    }

    private static void requireOnlyIdentity(PKCS10CertificationRequest csr, SpiffeId identity)
            throws CsrRejectedException {
        for (GeneralName name : requestedNames(csr)) {
            boolean allowed = name.getTagNo() == GeneralName.uniformResourceIdentifier
                    && identity.uri().equals(name.getName().toString());
            if (!allowed) {
                throw new CsrRejectedException(CsrRejectedException.Reason.IDENTITY_MISMATCH, "the CSR asks for "
                        + describe(name) + " but the caller is authenticated as " + identity.uri()
                        + " (expected: no subject alternative name, or exactly URI " + identity.uri() + ")");
            }
        }
    }

    private static List<GeneralName> requestedNames(PKCS10CertificationRequest csr) throws CsrRejectedException {
        List<GeneralName> names = new ArrayList<>();
        try {
            for (Attribute attribute : csr.getAttributes(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest)) {
                ASN1Set values = attribute.getAttrValues();
                for (ASN1Encodable value : values) {
                    GeneralNames san = GeneralNames.fromExtensions(Extensions.getInstance(value),
                            Extension.subjectAlternativeName);
                    if (san != null) {
                        names.addAll(List.of(san.getNames()));
                    }
                }
            }
        } catch (IllegalArgumentException e) {
            throw new CsrRejectedException(CsrRejectedException.Reason.MALFORMED,
                    "the CSR's extension request is not readable: " + e.getMessage());
        }
        return names;
    }

    private static String describe(GeneralName name) {
        String kind = switch (name.getTagNo()) {
            case GeneralName.uniformResourceIdentifier -> "URI";
            case GeneralName.dNSName -> "DNS name";
            case GeneralName.iPAddress -> "IP address";
            case GeneralName.rfc822Name -> "email address";
            default -> "name of type " + name.getTagNo();
        };
        return kind + " " + name.getName();
    }

    private static String describe(GeneralNames names) {
        return Stream.of(names.getNames()).map(CertificateAuthority::describe).toList().toString();
    }

    private static void createSelfSignedRoot(Path stateDir, Path caDir, CaSettings settings) throws IOException {
        KeyPair keyPair = newEcKeyPair();
        Instant now = settings.clock().instant();
        X500Name subject = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.O, settings.trustDomain()).build();
        X509Certificate root;
        try {
            JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder builder = new X509v3CertificateBuilder(subject,
                    new BigInteger(127, new SecureRandom()).add(BigInteger.ONE), Date.from(now.minus(BACKDATE)),
                    Date.from(now.plus(settings.rootTtl())), subject,
                    SubjectPublicKeyInfo.getInstance(keyPair.getPublic().getEncoded()))
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
                    .addExtension(Extension.keyUsage, true,
                            new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign | KeyUsage.digitalSignature))
                    .addExtension(Extension.subjectKeyIdentifier, false,
                            extensions.createSubjectKeyIdentifier(keyPair.getPublic()));
            ContentSigner signer = new JcaContentSignerBuilder(signatureAlgorithm(keyPair.getPrivate()))
                    .build(keyPair.getPrivate());
            root = new JcaX509CertificateConverter().getCertificate(builder.build(signer));
        } catch (NoSuchAlgorithmException | OperatorCreationException | CertificateException e) {
            throw new IllegalStateException("cannot create the self-signed root: " + e.getMessage(), e);
        }
        Path staging = Files.createTempDirectory(stateDir, ".ca-");
        try {
            StateFiles.replace(staging.resolve(ROOT_KEY_FILE), Pem.encodePrivateKey(keyPair.getPrivate()));
            StateFiles.publish(staging.resolve(ROOT_CERT_FILE), Pem.encode(root));
            Files.move(staging, caDir);
            log.info("CA: created a self-signed root for trust domain {} in {}", settings.trustDomain(), caDir);
        } catch (FileSystemException e) {
            if (!Files.exists(caDir.resolve(ROOT_CERT_FILE))) {
                throw e;
            }
            log.info("CA: another process created the root in {} first; using it", caDir);
        } finally {
            if (Files.exists(staging)) {
                for (String name : List.of(ROOT_KEY_FILE, ROOT_CERT_FILE)) {
                    Files.deleteIfExists(staging.resolve(name));
                }
                Files.deleteIfExists(staging);
            }
        }
    }

    /** A new EC P-256 key pair. */
    public static KeyPair newEcKeyPair() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            return generator.generateKeyPair();
        } catch (NoSuchAlgorithmException | InvalidAlgorithmParameterException e) {
            throw new IllegalStateException("this JVM cannot generate EC P-256 keys: " + e.getMessage(), e);
        }
    }

    private static String signatureAlgorithm(PrivateKey key) {
        return switch (key.getAlgorithm()) {
            case "EC", "ECDSA" -> "SHA256withECDSA";
            case "RSA" -> "SHA256withRSA";
            default -> throw new IllegalArgumentException("CA key algorithm " + key.getAlgorithm()
                    + " (expected: EC or RSA)");
        };
    }

    private static void requireMatchingKey(X509Certificate cert, PrivateKey key, Path certFile, Path keyFile) {
        byte[] probe = "skiff-ca-key-check".getBytes(StandardCharsets.US_ASCII);
        String algorithm = signatureAlgorithm(key);
        try {
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(cert.getPublicKey());
            verifier.update(probe);
            if (verifier.verify(signature)) {
                return;
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException(keyFile + ": cannot use the key with " + certFile + ": "
                    + e.getMessage(), e);
        }
        throw new IllegalArgumentException(keyFile + ": the key does not belong to the certificate in " + certFile);
    }

    private static void requireSignedBy(X509Certificate cert, X509Certificate issuer, Path chainFile) {
        if (!cert.getIssuerX500Principal().equals(issuer.getSubjectX500Principal())
                || !verifies(cert, issuer.getPublicKey())) {
            throw new IllegalArgumentException(chainFile + ": " + cert.getSubjectX500Principal()
                    + " is not signed by the next certificate " + issuer.getSubjectX500Principal()
                    + " (expected: the chain from ca-cert.pem up to the root, in order)");
        }
    }

    private static boolean verifies(X509Certificate cert, PublicKey key) {
        try {
            cert.verify(key);
            return true;
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    private static String read(Path file) throws IOException {
        try {
            return StateFiles.read(file);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(file.toString(), null, "missing (expected a PEM file)");
        }
    }
}
