package dev.skiff.proxy.telemetry;

import dev.skiff.proxy.authz.RbacAttributes;
import dev.skiff.proxy.authz.RbacRules;

import javax.net.ssl.SSLException;
import java.util.List;

/**
 * The access log's explanations of failures, built on the failure path only: {@code
 * upstream_transport_failure_reason} and {@code connection_termination_details}.
 */
public final class FailureDetails {

    private static final int MAX_CAUSES = 8;

    private FailureDetails() {
    }

    /**
     * Why an upstream connection failed in its TLS handshake, framed as Envoy frames its TLS errors
     * ({@code TLS_error:|<reason>:TLS_error_end}), with the reason the JVM's TLS stack gives; null when the failure
     * was not a TLS one (refused, timed out, reset before TLS).
     */
    public static String transportFailureReason(Throwable cause) {
        Throwable current = cause;
        for (int depth = 0; current != null && depth < MAX_CAUSES; depth++, current = current.getCause()) {
            if (current instanceof SSLException tls) {
                String message = tls.getMessage() == null ? tls.getClass().getSimpleName() : tls.getMessage();
                return "TLS_error:|" + message + ":TLS_error_end";
            }
        }
        return null;
    }

    /**
     * Why the RBAC network filters closed a connection, as Envoy's RBAC filter records it:
     * {@code rbac_access_denied_matched_policy[<name>]} with the DENY policy that matched, or {@code [none]} when an
     * ALLOW filter matched no policy.
     */
    public static String rbacDenied(List<RbacRules> filters, RbacAttributes connection) {
        for (RbacRules filter : filters) {
            if (filter.permits(connection)) {
                continue;
            }
            RbacRules.Policy matched = filter.action() == RbacRules.Action.DENY ? filter.firstMatch(connection) : null;
            return "rbac_access_denied_matched_policy[" + (matched == null ? "none" : matched.name()) + "]";
        }
        return "rbac_access_denied_matched_policy[none]";
    }
}
