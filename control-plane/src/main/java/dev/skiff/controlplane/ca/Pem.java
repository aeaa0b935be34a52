package dev.skiff.controlplane.ca;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;
import org.bouncycastle.util.io.pem.PemObject;

/** PEM reading and writing for certificates, keys and certificate signing requests. */
public final class Pem {
    private static final JcaX509CertificateConverter CERTIFICATES = new JcaX509CertificateConverter();
    private static final JcaPEMKeyConverter KEYS = new JcaPEMKeyConverter();

    private Pem() {
    }

    /** Every object in the text, in order. */
    private static List<Object> objects(String pem, String source) {
        List<Object> objects = new ArrayList<>();
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            for (Object object = parser.readObject(); object != null; object = parser.readObject()) {
                objects.add(object);
            }
        } catch (IOException e) {
            throw new IllegalArgumentException(source + ": not valid PEM: " + e.getMessage(), e);
        }
        return objects;
    }

    /**
     * The certificates in the text, in order.
     *
     * @throws IllegalArgumentException when the text holds anything else, or no certificate at all
     */
    public static List<X509Certificate> certificates(String pem, String source) {
        List<X509Certificate> certificates = new ArrayList<>();
        for (Object object : objects(pem, source)) {
            if (!(object instanceof X509CertificateHolder holder)) {
                throw new IllegalArgumentException(source + ": found " + describe(object)
                        + " (expected: only PEM CERTIFICATE blocks)");
            }
            try {
                certificates.add(CERTIFICATES.getCertificate(holder));
            } catch (CertificateException e) {
                throw new IllegalArgumentException(source + ": unreadable certificate: " + e.getMessage(), e);
            }
        }
        if (certificates.isEmpty()) {
            throw new IllegalArgumentException(source + ": no certificate (expected: PEM CERTIFICATE blocks)");
        }
        return List.copyOf(certificates);
    }

    /**
     * The private key in the text: PKCS#8 ({@code PRIVATE KEY}), SEC1 ({@code EC PRIVATE KEY}) or PKCS#1
     * ({@code RSA PRIVATE KEY}), unencrypted.
     */
    public static PrivateKey privateKey(String pem, String source) {
        for (Object object : objects(pem, source)) {
            try {
                if (object instanceof PrivateKeyInfo info) {
                    return KEYS.getPrivateKey(info);
                }
                if (object instanceof PEMKeyPair pair) {
                    return KEYS.getPrivateKey(pair.getPrivateKeyInfo());
                }
            } catch (IOException e) {
                throw new IllegalArgumentException(source + ": unreadable private key: " + e.getMessage(), e);
            }
            if (object instanceof PEMEncryptedKeyPair || object instanceof PKCS8EncryptedPrivateKeyInfo) {
                throw new IllegalArgumentException(source + ": the private key is encrypted (expected: an "
                        + "unencrypted PRIVATE KEY, EC PRIVATE KEY or RSA PRIVATE KEY block)");
            }
        }
        throw new IllegalArgumentException(source + ": no private key (expected: a PRIVATE KEY, EC PRIVATE KEY "
                + "or RSA PRIVATE KEY block)");
    }

    /** A key pair stored as a PKCS#8 {@code PRIVATE KEY} block followed by its {@code PUBLIC KEY} block. */
    public static KeyPair keyPair(String pem, String source) {
        PrivateKey privateKey = privateKey(pem, source);
        for (Object object : objects(pem, source)) {
            if (object instanceof SubjectPublicKeyInfo info) {
                try {
                    return new KeyPair(KEYS.getPublicKey(info), privateKey);
                } catch (IOException e) {
                    throw new IllegalArgumentException(source + ": unreadable public key: " + e.getMessage(), e);
                }
            }
        }
        throw new IllegalArgumentException(source + ": no public key (expected: a PUBLIC KEY block after the "
                + "private key)");
    }

    /** The single certificate signing request in the text. */
    public static PKCS10CertificationRequest certificationRequest(String pem, String source) {
        List<Object> objects = objects(pem, source);
        if (objects.size() != 1 || !(objects.getFirst() instanceof PKCS10CertificationRequest csr)) {
            throw new IllegalArgumentException(source + ": expected exactly one PEM CERTIFICATE REQUEST block, found "
                    + (objects.isEmpty() ? "none" : objects.stream().map(Pem::describe).toList()));
        }
        return csr;
    }

    private static String describe(Object object) {
        return switch (object) {
            case X509CertificateHolder ignored -> "a certificate";
            case PKCS10CertificationRequest ignored -> "a certificate request";
            case PrivateKeyInfo ignored -> "a private key";
            case PEMKeyPair ignored -> "a private key";
            case SubjectPublicKeyInfo ignored -> "a public key";
            default -> "a " + object.getClass().getSimpleName();
        };
    }

    /** PEM text of one object (certificate, CSR, or a {@link PemObject}). */
    public static String encode(Object object) {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            writer.writeObject(object);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode " + describe(object) + " as PEM", e);
        }
        return out.toString();
    }

    /** PEM text of the certificates, concatenated in order. */
    public static String encodeAll(List<X509Certificate> certificates) {
        StringBuilder pem = new StringBuilder();
        for (X509Certificate certificate : certificates) {
            pem.append(encode(certificate));
        }
        return pem.toString();
    }

    /** A private key as a PKCS#8 {@code PRIVATE KEY} block. */
    public static String encodePrivateKey(PrivateKey key) {
        return encode(new PemObject("PRIVATE KEY", key.getEncoded()));
    }

    /** A public key as a {@code PUBLIC KEY} block. */
    public static String encodePublicKey(PublicKey key) {
        return encode(new PemObject("PUBLIC KEY", key.getEncoded()));
    }
}
