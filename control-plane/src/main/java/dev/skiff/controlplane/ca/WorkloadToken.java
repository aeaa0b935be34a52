package dev.skiff.controlplane.ca;

import java.time.Instant;
import java.util.Objects;

/**
 * What an authenticated bootstrap token says about its bearer.
 *
 * @param workload       the workload name (a WorkloadEntry or pod name)
 * @param namespace      the workload's namespace
 * @param serviceAccount the service account whose identity the workload gets
 * @param expiresAt      when the token stops being accepted
 */
public record WorkloadToken(String workload, String namespace, String serviceAccount, Instant expiresAt) {
    public WorkloadToken {
        SpiffeId.requireSegment("workload", Objects.requireNonNull(workload, "workload"));
        SpiffeId.requireSegment("namespace", Objects.requireNonNull(namespace, "namespace"));
        SpiffeId.requireSegment("service account", Objects.requireNonNull(serviceAccount, "serviceAccount"));
        Objects.requireNonNull(expiresAt, "expiresAt");
    }

    /** The SPIFFE identity of the bearer in {@code trustDomain}. */
    public SpiffeId identity(String trustDomain) {
        return new SpiffeId(trustDomain, namespace, serviceAccount);
    }
}
