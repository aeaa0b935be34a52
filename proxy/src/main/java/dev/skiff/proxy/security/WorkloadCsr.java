package dev.skiff.proxy.security;

import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.spec.ECGenParameterSpec;
import java.io.IOException;

/**
 * A fresh EC P-256 key, generated locally and never sent anywhere, and the PKCS#10 request (PEM) that asks the CA to
 * certify it. The request's subject is empty and it asks for no names: the CA takes the identity from the caller's
 * token.
 *
 * @param keyPair the key pair
 * @param pem     the signed certificate request, PEM encoded
 */
public record WorkloadCsr(KeyPair keyPair, String pem) {

    /** Generates a key pair and a CSR signed with it (SHA256withECDSA). */
    public static WorkloadCsr generate(SecureRandom random) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"), random);
            KeyPair keyPair = generator.generateKeyPair();
            PKCS10CertificationRequest request = new JcaPKCS10CertificationRequestBuilder(
                    new X500Name(new RDN[0]), keyPair.getPublic())
                    .build(new JcaContentSignerBuilder("SHA256withECDSA").setSecureRandom(random)
                            .build(keyPair.getPrivate()));
            return new WorkloadCsr(keyPair, Pem.encode("CERTIFICATE REQUEST", request.getEncoded()));
        } catch (GeneralSecurityException | OperatorCreationException | IOException e) {
            throw new IllegalStateException("cannot generate an EC P-256 key and CSR: " + e.getMessage(), e);
        }
    }
}
