package dev.skiff.proxy.model;

import java.util.List;

/**
 * How the proxy originates TLS to an upstream endpoint (an Envoy {@code UpstreamTlsContext}). Certificates are
 * never inlined: they are named SDS secrets that the proxy's agent provides ({@code default} and {@code ROOTCA} for
 * Istio mutual TLS, {@code file-cert:CERT~KEY} and {@code file-root:CA} for certificates read from files).
 *
 * @param sni                 the server name sent in the handshake, empty for none
 * @param alpn                the application protocols offered, in preference order
 * @param certificateSecret   the SDS secret holding the client certificate and key, empty for none (one-way TLS)
 * @param validationSecret    the SDS secret holding the trusted roots, empty to skip verification
 * @param subjectAltNames     the server certificate must carry one of these SANs (URI or DNS, exact); empty: any
 * @param insecureSkipVerify  whether the server certificate is accepted without any verification
 */
public record UpstreamTlsSpec(String sni, List<String> alpn, String certificateSecret, String validationSecret,
                              List<String> subjectAltNames, boolean insecureSkipVerify) {

    public UpstreamTlsSpec {
        sni = sni == null ? "" : sni;
        alpn = alpn == null ? List.of() : List.copyOf(alpn);
        certificateSecret = certificateSecret == null ? "" : certificateSecret;
        validationSecret = validationSecret == null ? "" : validationSecret;
        subjectAltNames = subjectAltNames == null ? List.of() : List.copyOf(subjectAltNames);
    }
}
