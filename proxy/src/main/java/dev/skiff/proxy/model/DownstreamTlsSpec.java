package dev.skiff.proxy.model;

import java.util.List;

/**
 * How the proxy terminates TLS on a listener's filter chain (an Envoy {@code DownstreamTlsContext}), with the
 * certificates named as SDS secrets provided by the proxy's agent.
 *
 * @param certificateSecret        the SDS secret with the server certificate and key
 * @param validationSecret         the SDS secret with the roots client certificates must chain to, empty for none
 * @param requireClientCertificate whether a client without a (valid) certificate is refused: mutual TLS
 * @param alpn                     the application protocols the server accepts, in preference order
 * @param subjectAltNames          a client certificate must carry one of these SANs (exact); empty: any
 */
public record DownstreamTlsSpec(String certificateSecret, String validationSecret, boolean requireClientCertificate,
                                List<String> alpn, List<String> subjectAltNames) {

    public DownstreamTlsSpec {
        Validation.notBlank(certificateSecret, "tls_certificate_sds_secret_configs name");
        validationSecret = validationSecret == null ? "" : validationSecret;
        alpn = alpn == null ? List.of() : List.copyOf(alpn);
        subjectAltNames = subjectAltNames == null ? List.of() : List.copyOf(subjectAltNames);
        if (requireClientCertificate && validationSecret.isEmpty()) {
            throw new IllegalArgumentException("require_client_certificate true without a validation context"
                    + " (expected: validation_context_sds_secret_config naming the trusted roots)");
        }
    }
}
