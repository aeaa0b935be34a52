package dev.skiff.controlplane.ca;

import dev.skiff.api.security.v1alpha1.IstioCertificateRequest;
import dev.skiff.api.security.v1alpha1.IstioCertificateResponse;
import dev.skiff.api.security.v1alpha1.IstioCertificateServiceGrpc;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.Objects;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Istio's {@code istio.v1.auth.IstioCertificateService}: signs a workload's CSR for the identity its bootstrap token
 * authenticates. The identity never comes from the CSR; a CSR that asks for another one is refused.
 */
public final class CertificateService extends IstioCertificateServiceGrpc.IstioCertificateServiceImplBase {
    private static final Logger log = LoggerFactory.getLogger(CertificateService.class);

    private final CertificateAuthority authority;
    private final CaMetrics metrics;

    /** Bind it behind a {@link BearerTokenInterceptor}, which authenticates the callers. */
    public CertificateService(CertificateAuthority authority, CaMetrics metrics) {
        this.authority = Objects.requireNonNull(authority, "authority");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
    }

    @Override
    public void createCertificate(IstioCertificateRequest request,
                                  StreamObserver<IstioCertificateResponse> responses) {
        WorkloadToken caller = BearerTokenInterceptor.CALLER.get();
        if (caller == null) {
            responses.onError(Status.UNAUTHENTICATED.withDescription(
                    "the caller is not authenticated (expected: authorization: Bearer <token>)").asRuntimeException());
            return;
        }
        metrics.csrReceived();
        SpiffeId identity = caller.identity(authority.trustDomain());
        PKCS10CertificationRequest csr;
        Duration requested = Duration.ofSeconds(request.getValidityDuration());
        try {
            csr = Pem.certificationRequest(request.getCsr(), "csr");
        } catch (IllegalArgumentException e) {
            metrics.csrUnreadable();
            responses.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
            return;
        }
        if (requested.isNegative()) {
            metrics.ttlRefused();
            responses.onError(Status.INVALID_ARGUMENT.withDescription("validity_duration "
                    + request.getValidityDuration() + " (expected: >= 0 seconds; 0 asks for the default)")
                    .asRuntimeException());
            return;
        }
        IssuedCertificate issued;
        try {
            issued = authority.sign(csr, identity, requested);
        } catch (CsrRejectedException e) {
            Status status;
            if (e.reason() == CsrRejectedException.Reason.IDENTITY_MISMATCH) {
                metrics.identityRefused();
                status = Status.PERMISSION_DENIED;
            } else {
                metrics.csrUnreadable();
                status = Status.INVALID_ARGUMENT;
            }
            log.warn("CA: refused a CSR from workload {}.{}: {}", caller.workload(), caller.namespace(),
                    e.getMessage());
            responses.onError(status.withDescription(e.getMessage()).asRuntimeException());
            return;
        } catch (IllegalStateException e) {
            metrics.signingFailed();
            log.error("CA: cannot sign for {}: {}", identity, e.getMessage());
            responses.onError(Status.UNAVAILABLE.withDescription(e.getMessage()).asRuntimeException());
            return;
        }
        metrics.certificateIssued();
        log.info("CA: issued {} to workload {}.{}, valid until {}", identity, caller.workload(), caller.namespace(),
                issued.leaf().getNotAfter().toInstant());
        responses.onNext(IstioCertificateResponse.newBuilder().addAllCertChain(issued.pemChain()).build());
        responses.onCompleted();
    }
}
