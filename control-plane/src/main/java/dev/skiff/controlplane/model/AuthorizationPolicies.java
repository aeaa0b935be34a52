package dev.skiff.controlplane.model;

import dev.skiff.api.security.v1beta1.AuthorizationPolicy;
import dev.skiff.controlplane.config.ConfigObject;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * The AuthorizationPolicies of the mesh and the ones that apply to a workload, as Istio selects them for a sidecar:
 * the policies of the root namespace {@value MeshSnapshot#ROOT_NAMESPACE} (mesh-wide without a selector, else for
 * every workload of the mesh the selector matches) and those of the workload's namespace (namespace-wide without a
 * selector, else for the workloads the selector matches). Policies bound by {@code targetRef}/{@code targetRefs}
 * address gateways and waypoints, not sidecars, and never apply here. Within a namespace the policies are in name
 * order (Istio orders by creation time, which files do not have).
 */
public final class AuthorizationPolicies {

    /** One policy as read: its namespace and name identify it in the generated RBAC policy names. */
    public record Policy(String namespace, String name, AuthorizationPolicy spec) {
    }

    public static final AuthorizationPolicies EMPTY = new AuthorizationPolicies(List.of());

    private final List<Policy> policies;

    private AuthorizationPolicies(List<Policy> policies) {
        this.policies = List.copyOf(policies);
    }

    /** The policies of these AuthorizationPolicy objects. */
    public static AuthorizationPolicies of(Collection<ConfigObject> objects) {
        List<Policy> policies = new ArrayList<>();
        for (ConfigObject object : objects) {
            policies.add(new Policy(object.key().namespace(), object.key().name(),
                    object.spec(AuthorizationPolicy.class)));
        }
        policies.sort(Comparator.comparing(Policy::namespace).thenComparing(Policy::name));
        return new AuthorizationPolicies(policies);
    }

    /** Whether there are no policies at all. */
    public boolean isEmpty() {
        return policies.isEmpty();
    }

    /**
     * The policies that apply to a workload, root-namespace ones first.
     *
     * @param namespace the workload's namespace
     * @param labels    its labels
     */
    public List<Policy> forWorkload(String namespace, Map<String, String> labels) {
        List<Policy> applying = new ArrayList<>();
        for (Policy policy : policies) {
            if (policy.namespace().equals(MeshSnapshot.ROOT_NAMESPACE) && applies(policy, labels)) {
                applying.add(policy);
            }
        }
        if (!namespace.equals(MeshSnapshot.ROOT_NAMESPACE)) {
            for (Policy policy : policies) {
                if (policy.namespace().equals(namespace) && applies(policy, labels)) {
                    applying.add(policy);
                }
            }
        }
        return applying;
    }

    private static boolean applies(Policy policy, Map<String, String> labels) {
        AuthorizationPolicy spec = policy.spec();
        if (spec.hasTargetRef() || spec.getTargetRefsCount() > 0) {
            return false;
        }
        return Labels.matches(spec.getSelector().getMatchLabelsMap(), labels);
    }
}
