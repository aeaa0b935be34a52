package dev.skiff.proxy.security;

import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.junit.jupiter.api.Test;

import java.io.StringReader;
import java.security.SecureRandom;
import java.security.interfaces.ECPublicKey;

import static org.assertj.core.api.Assertions.assertThat;

class WorkloadCsrTest {

    @Test
    void csrIsSignedByAFreshP256KeyAndAsksForNoName() throws Exception {
        WorkloadCsr csr = WorkloadCsr.generate(new SecureRandom());

        assertThat(csr.pem()).startsWith("-----BEGIN CERTIFICATE REQUEST-----\n")
                .endsWith("-----END CERTIFICATE REQUEST-----\n");
        PKCS10CertificationRequest request;
        try (PEMParser parser = new PEMParser(new StringReader(csr.pem()))) {
            request = (PKCS10CertificationRequest) parser.readObject();
        }
        assertThat(request.isSignatureValid(new JcaContentVerifierProviderBuilder()
                .build(csr.keyPair().getPublic()))).isTrue();
        assertThat(request.getSubject().getRDNs()).isEmpty();
        assertThat(request.getAttributes()).isEmpty();
        assertThat(csr.keyPair().getPublic()).isInstanceOf(ECPublicKey.class);
        assertThat(((ECPublicKey) csr.keyPair().getPublic()).getParams().getCurve().getField().getFieldSize())
                .isEqualTo(256);
        assertThat(request.getSubjectPublicKeyInfo().getEncoded()).isEqualTo(csr.keyPair().getPublic().getEncoded());
    }

    @Test
    void everyCsrHasItsOwnKey() {
        SecureRandom random = new SecureRandom();
        assertThat(WorkloadCsr.generate(random).keyPair().getPublic())
                .isNotEqualTo(WorkloadCsr.generate(random).keyPair().getPublic());
    }
}
