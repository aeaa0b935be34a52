package dev.skiff.controlplane.config;

import dev.skiff.api.security.v1beta1.PeerAuthentication;

import java.util.Map;

/**
 * Istio's webhook checks of a PeerAuthentication: the selector's labels are valid label names and values, and
 * {@code portLevelMtls} is only allowed with a selector and only for valid ports.
 */
final class PeerAuthenticationValidator {
    private PeerAuthenticationValidator() {
    }

    static void validate(PeerAuthentication spec, FieldProblems problems) {
        if (spec.hasSelector()) {
            Checks.labels(problems, "spec.selector.matchLabels", spec.getSelector().getMatchLabelsMap());
        }
        if (spec.getPortLevelMtlsCount() == 0) {
            return;
        }
        if (!spec.hasSelector() || spec.getSelector().getMatchLabelsCount() == 0) {
            problems.add("spec.portLevelMtls", "set without a workload selector (expected: portLevelMtls only on a"
                    + " policy with selector.matchLabels, mesh- and namespace-wide policies apply to every port)");
        }
        for (Map.Entry<Integer, PeerAuthentication.MutualTLS> entry : spec.getPortLevelMtlsMap().entrySet()) {
            Checks.port(problems, "spec.portLevelMtls[" + Integer.toUnsignedLong(entry.getKey()) + "]", entry.getKey());
        }
    }
}
