package dev.skiff.controlplane.ca;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A workload identity in Istio's SPIFFE form, {@code spiffe://<trust-domain>/ns/<namespace>/sa/<service-account>}.
 */
public record SpiffeId(String trustDomain, String namespace, String serviceAccount) {
    private static final Pattern TRUST_DOMAIN = Pattern.compile("[a-z0-9._-]+");
    private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9._-]+");

    public SpiffeId {
        Objects.requireNonNull(trustDomain, "trustDomain");
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(serviceAccount, "serviceAccount");
        requireTrustDomain(trustDomain);
        requireSegment("namespace", namespace);
        requireSegment("service account", serviceAccount);
    }

    /** @throws IllegalArgumentException when the trust domain is not a lower-case DNS-like name */
    public static String requireTrustDomain(String trustDomain) {
        if (!TRUST_DOMAIN.matcher(trustDomain).matches()) {
            throw new IllegalArgumentException("trust domain '" + trustDomain
                    + "': expected lower-case letters, digits, '.', '-' and '_' only, such as cluster.local");
        }
        return trustDomain;
    }

    /** @throws IllegalArgumentException when the value cannot be one path segment of a SPIFFE ID */
    static String requireSegment(String what, String value) {
        if (!SEGMENT.matcher(value).matches() || value.equals(".") || value.equals("..")) {
            throw new IllegalArgumentException(what + " '" + value
                    + "': expected a non-empty name of letters, digits, '.', '-' and '_'");
        }
        return value;
    }

    /** The URI form used as the certificate's URI SAN. */
    public String uri() {
        return "spiffe://" + trustDomain + "/ns/" + namespace + "/sa/" + serviceAccount;
    }

    @Override
    public String toString() {
        return uri();
    }
}
