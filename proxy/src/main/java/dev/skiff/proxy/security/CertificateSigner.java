package dev.skiff.proxy.security;

import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;

/** Something that certifies the agent's key: the mesh CA over gRPC, or a test double. */
public interface CertificateSigner {

    /**
     * Asks for a certificate.
     *
     * @param csrPem   the PEM certificate request
     * @param validity the lifetime asked for ({@link Duration#ZERO}: the CA's default)
     * @return the chain, leaf first and root last
     * @throws CertificateRequestException when the CA refused or could not be reached
     */
    List<X509Certificate> sign(String csrPem, Duration validity) throws CertificateRequestException;

    /** Why a certificate could not be obtained. */
    final class CertificateRequestException extends Exception {
        public CertificateRequestException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
