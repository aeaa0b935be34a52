package dev.skiff.controlplane.ca;

import dev.skiff.controlplane.telemetry.ControlPlaneMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import java.security.cert.X509Certificate;
import java.util.Objects;

/**
 * Istio's {@code citadel_server_*} metrics, with istiod's names and help texts, in the control plane's registry.
 * The counters are resolved once; recording is a lock-free increment.
 */
public final class CaMetrics {
    /** {@code error} label of {@code citadel_server_csr_sign_err_count} for a validity the CA cannot grant. */
    static final String TTL_ERROR = "TTL_ERROR";
    /** {@code error} label of {@code citadel_server_csr_sign_err_count} when building the certificate failed. */
    static final String CERT_GEN_ERROR = "CERT_GEN_ERROR";

    private final Counter csrs;
    private final Counter authenticationFailures;
    private final Counter csrParsingErrors;
    private final Counter idExtractionErrors;
    private final Counter ttlErrors;
    private final Counter certGenErrors;
    private final Counter issued;

    /** Registers the counters, and the expiry gauges of {@code authority}'s root and signing chain. */
    public CaMetrics(ControlPlaneMetrics metrics, CertificateAuthority authority) {
        Objects.requireNonNull(authority, "authority");
        csrs = metrics.istioCounter("citadel_server_csr_count", "The number of CSRs received by Citadel server.");
        authenticationFailures = metrics.istioCounter("citadel_server_authentication_failure_count",
                "The number of authentication failures.");
        csrParsingErrors = metrics.istioCounter("citadel_server_csr_parsing_err_count",
                "The number of errors occurred when parsing the CSR.");
        idExtractionErrors = metrics.istioCounter("citadel_server_id_extraction_err_count",
                "The number of errors occurred when extracting the ID from CSR.");
        ttlErrors = metrics.istioCounter("citadel_server_csr_sign_err_count",
                "The number of errors occurred when signing the CSR.", "error", TTL_ERROR);
        certGenErrors = metrics.istioCounter("citadel_server_csr_sign_err_count",
                "The number of errors occurred when signing the CSR.", "error", CERT_GEN_ERROR);
        issued = metrics.istioCounter("citadel_server_success_cert_issuance_count",
                "The number of certificates issuances that have succeeded.");
        long rootExpiry = authority.rootCertificates().stream()
                .mapToLong(CaMetrics::expirySeconds).min().orElseThrow();
        long chainExpiry = authority.signingCertificateExpiry().getEpochSecond();
        Gauge.builder("citadel_server_root_cert_expiry_timestamp", () -> rootExpiry)
                .description("The unix timestamp, in seconds, when Citadel root cert will expire. "
                        + "A negative time indicates the cert is expired.")
                .register(metrics.registry());
        Gauge.builder("citadel_server_cert_chain_expiry_timestamp", () -> chainExpiry)
                .description("The unix timestamp, in seconds, when Citadel cert chain will expire. "
                        + "A negative time indicates the cert is expired.")
                .register(metrics.registry());
    }

    private static long expirySeconds(X509Certificate cert) {
        return cert.getNotAfter().toInstant().getEpochSecond();
    }

    /** A call to the certificate service, counted whether it is authenticated or not. */
    void csrReceived() {
        csrs.increment();
    }

    void authenticationFailed() {
        authenticationFailures.increment();
    }

    void csrUnreadable() {
        csrParsingErrors.increment();
    }

    void identityRefused() {
        idExtractionErrors.increment();
    }

    void ttlRefused() {
        ttlErrors.increment();
    }

    void signingFailed() {
        certGenErrors.increment();
    }

    void certificateIssued() {
        issued.increment();
    }
}
