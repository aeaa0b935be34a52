package dev.skiff.controlplane.config;

import dev.skiff.api.security.v1beta1.AuthorizationPolicy;
import dev.skiff.api.security.v1beta1.Condition;
import dev.skiff.api.security.v1beta1.Operation;
import dev.skiff.api.security.v1beta1.Rule;
import dev.skiff.api.security.v1beta1.Source;
import dev.skiff.api.type.v1beta1.PolicyTargetReference;
import dev.skiff.api.type.v1beta1.WorkloadSelector;
import dev.skiff.controlplane.authz.JwtMatchers;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Istio's webhook checks of an AuthorizationPolicy: a selector or target references but not both, no provider (the
 * CUSTOM action, which needs one, is not supported and rejected), non-empty sources and operations, no empty values, IP blocks and ports well formed, and
 * {@code when} conditions on known attributes with at least one value.
 */
final class AuthorizationPolicyValidator {
    /** The attributes a condition may name besides the bracketed {@code request.headers[...]} and claims. */
    private static final Set<String> ATTRIBUTES = Set.of("source.ip", "remote.ip", "source.namespace",
            "source.principal", "request.auth.principal", "request.auth.audiences", "request.auth.presenter",
            "destination.ip", "destination.port", "connection.sni");
    private static final String ATTRIBUTE_LIST = "request.headers[<name>], source.ip, remote.ip, source.namespace,"
            + " source.principal, request.auth.principal, request.auth.audiences, request.auth.presenter,"
            + " request.auth.claims[<claim>] (nested: [<claim>][<claim>]...), destination.ip, destination.port, connection.sni,"
            + " experimental.envoy.filters.*";

    private AuthorizationPolicyValidator() {
    }

    static void validate(AuthorizationPolicy spec, FieldProblems problems) {
        binding(problems, spec.hasSelector() ? spec.getSelector() : null,
                spec.hasTargetRef() ? spec.getTargetRef() : null, spec.getTargetRefsList());
        if (spec.getAction() == AuthorizationPolicy.Action.CUSTOM) {
            problems.add("spec.action", "CUSTOM is not supported: Skiff has no external authorization providers"
                    + " (expected: ALLOW, DENY or AUDIT)");
        } else if (spec.hasProvider()) {
            problems.add("spec.provider", "set with action " + spec.getAction()
                    + " (expected: a provider only with action CUSTOM)");
        }
        for (int i = 0; i < spec.getRulesCount(); i++) {
            rule(problems, "spec.rules[" + i + "]", spec.getRules(i));
        }
    }

    /**
     * What a security policy binds to: its selector's labels are valid, and only one of {@code selector},
     * {@code targetRef} and {@code targetRefs} is set, each reference with a kind and a name.
     *
     * @param selector  the selector, null when unset
     * @param targetRef the single target reference, null when unset
     */
    static void binding(FieldProblems problems, WorkloadSelector selector, PolicyTargetReference targetRef,
            List<PolicyTargetReference> targetRefs) {
        boolean targeted = targetRef != null || !targetRefs.isEmpty();
        if (selector != null) {
            Checks.labels(problems, "spec.selector.matchLabels", selector.getMatchLabelsMap());
            if (targeted) {
                problems.add("spec.selector", "set together with targetRef/targetRefs (expected: only one of selector,"
                        + " targetRef or targetRefs)");
            }
        }
        if (targetRef != null) {
            if (!targetRefs.isEmpty()) {
                problems.add("spec.targetRef", "set together with targetRefs (expected: only one of them)");
            }
            targetRef(problems, "spec.targetRef", targetRef);
        }
        for (int i = 0; i < targetRefs.size(); i++) {
            targetRef(problems, "spec.targetRefs[" + i + "]", targetRefs.get(i));
        }
    }

    private static void targetRef(FieldProblems problems, String path, PolicyTargetReference ref) {
        if (ref.getKind().isEmpty()) {
            problems.add(path + ".kind", "required (expected: the kind of the target, e.g. Service or Gateway)");
        }
        if (ref.getName().isEmpty()) {
            problems.add(path + ".name", "required (expected: the name of the target)");
        }
    }

    private static void rule(FieldProblems problems, String path, Rule rule) {
        for (int i = 0; i < rule.getFromCount(); i++) {
            String at = path + ".from[" + i + "].source";
            if (!rule.getFrom(i).hasSource()) {
                problems.add(at, "required (expected: a source with at least one field)");
            } else {
                source(problems, at, rule.getFrom(i).getSource());
            }
        }
        for (int i = 0; i < rule.getToCount(); i++) {
            String at = path + ".to[" + i + "].operation";
            if (!rule.getTo(i).hasOperation()) {
                problems.add(at, "required (expected: an operation with at least one field)");
            } else {
                operation(problems, at, rule.getTo(i).getOperation());
            }
        }
        for (int i = 0; i < rule.getWhenCount(); i++) {
            condition(problems, path + ".when[" + i + "]", rule.getWhen(i));
        }
    }

    private static void source(FieldProblems problems, String path, Source source) {
        if (source.equals(Source.getDefaultInstance())) {
            problems.add(path, "empty (expected: at least one of principals, requestPrincipals, namespaces,"
                    + " ipBlocks, remoteIpBlocks or their not-forms)");
            return;
        }
        values(problems, path + ".principals", source.getPrincipalsList());
        values(problems, path + ".notPrincipals", source.getNotPrincipalsList());
        values(problems, path + ".requestPrincipals", source.getRequestPrincipalsList());
        values(problems, path + ".notRequestPrincipals", source.getNotRequestPrincipalsList());
        values(problems, path + ".namespaces", source.getNamespacesList());
        values(problems, path + ".notNamespaces", source.getNotNamespacesList());
        ipBlocks(problems, path + ".ipBlocks", source.getIpBlocksList());
        ipBlocks(problems, path + ".notIpBlocks", source.getNotIpBlocksList());
        ipBlocks(problems, path + ".remoteIpBlocks", source.getRemoteIpBlocksList());
        ipBlocks(problems, path + ".notRemoteIpBlocks", source.getNotRemoteIpBlocksList());
    }

    private static void operation(FieldProblems problems, String path, Operation operation) {
        if (operation.equals(Operation.getDefaultInstance())) {
            problems.add(path, "empty (expected: at least one of hosts, ports, methods, paths or their not-forms)");
            return;
        }
        values(problems, path + ".hosts", operation.getHostsList());
        values(problems, path + ".notHosts", operation.getNotHostsList());
        ports(problems, path + ".ports", operation.getPortsList());
        ports(problems, path + ".notPorts", operation.getNotPortsList());
        values(problems, path + ".methods", operation.getMethodsList());
        values(problems, path + ".notMethods", operation.getNotMethodsList());
        values(problems, path + ".paths", operation.getPathsList());
        values(problems, path + ".notPaths", operation.getNotPathsList());
    }

    private static void condition(FieldProblems problems, String path, Condition condition) {
        String key = condition.getKey();
        if (key.isEmpty()) {
            problems.add(path + ".key", "required (expected one of: " + ATTRIBUTE_LIST + ")");
            return;
        }
        if (condition.getValuesCount() == 0 && condition.getNotValuesCount() == 0) {
            problems.add(path, "neither values nor notValues set for key " + key
                    + " (expected: at least one of them)");
        }
        if (key.equals("source.ip") || key.equals("remote.ip") || key.equals("destination.ip")) {
            ipBlocks(problems, path + ".values", condition.getValuesList());
            ipBlocks(problems, path + ".notValues", condition.getNotValuesList());
        } else if (key.equals("destination.port")) {
            ports(problems, path + ".values", condition.getValuesList());
            ports(problems, path + ".notValues", condition.getNotValuesList());
        } else if (ATTRIBUTES.contains(key) || bracketed(key, "request.headers[")
                || !JwtMatchers.claimPath(key).isEmpty() || key.startsWith("experimental.envoy.filters.")) {
            values(problems, path + ".values", condition.getValuesList());
            values(problems, path + ".notValues", condition.getNotValuesList());
        } else {
            problems.add(path + ".key", "unknown attribute \"" + key + "\" (expected one of: " + ATTRIBUTE_LIST
                    + ")");
        }
    }

    private static boolean bracketed(String key, String prefix) {
        return key.startsWith(prefix) && key.endsWith("]") && key.length() > prefix.length() + 1;
    }

    private static void values(FieldProblems problems, String path, List<String> values) {
        each(problems, path, values, value -> !value.isEmpty(), "empty value (expected: a non-empty string)");
    }

    private static void ipBlocks(FieldProblems problems, String path, List<String> values) {
        each(problems, path, values, Checks::isIpOrCidr,
                "is not an IP address or CIDR block (expected e.g. 203.0.113.4 or 203.0.113.0/24)");
    }

    private static void ports(FieldProblems problems, String path, List<String> values) {
        each(problems, path, values, AuthorizationPolicyValidator::isPort, "is not a port (expected: 0 to 65535)");
    }

    private static boolean isPort(String value) {
        if (!value.matches("[0-9]{1,5}")) {
            return false;
        }
        return Integer.parseInt(value) <= 65535;
    }

    private static void each(FieldProblems problems, String path, List<String> values, Predicate<String> valid,
            String message) {
        for (int i = 0; i < values.size(); i++) {
            String value = values.get(i);
            if (!valid.test(value)) {
                problems.add(path + "[" + i + "]", value.isEmpty() ? "empty value (expected: a non-empty string)"
                        : "\"" + value + "\" " + message);
            }
        }
    }
}
