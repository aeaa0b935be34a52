package dev.skiff.controlplane.model;

import dev.skiff.api.security.v1beta1.PeerAuthentication;
import dev.skiff.controlplane.config.ConfigObject;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The PeerAuthentications of the mesh and the mutual TLS mode they give a workload's port, with Istio's precedence:
 * the workload's own policy (a policy of its namespace whose selector matches it; its port-level setting first) over
 * its namespace's policy (no selector) over the mesh-wide policy (no selector, in the root namespace
 * {@value MeshSnapshot#ROOT_NAMESPACE}). A level whose mode is {@code UNSET} inherits from the next one; when no
 * level sets a mode the port is {@link Mode#PERMISSIVE}. Where Istio takes the oldest of several policies of one
 * level, Skiff takes the first by name.
 */
public final class PeerAuthentications {

    /** The mutual TLS a port accepts. */
    public enum Mode { DISABLE, PERMISSIVE, STRICT }

    /** One policy as read. */
    private record Policy(String namespace, String name, Map<String, String> selector, Optional<Mode> mode,
                          Map<Integer, Mode> ports) {
    }

    public static final PeerAuthentications EMPTY = new PeerAuthentications(List.of());

    private final List<Policy> policies;

    private PeerAuthentications(List<Policy> policies) {
        this.policies = List.copyOf(policies);
    }

    /** The policies of these PeerAuthentication objects. */
    public static PeerAuthentications of(Collection<ConfigObject> objects) {
        List<Policy> policies = new ArrayList<>();
        for (ConfigObject object : objects) {
            PeerAuthentication spec = object.spec(PeerAuthentication.class);
            Map<Integer, Mode> ports = new HashMap<>();
            spec.getPortLevelMtlsMap().forEach((port, mtls) -> mode(mtls).ifPresent(mode -> ports.put(port, mode)));
            policies.add(new Policy(object.key().namespace(), object.key().name(),
                    Map.copyOf(spec.getSelector().getMatchLabelsMap()),
                    spec.hasMtls() ? mode(spec.getMtls()) : Optional.empty(), Map.copyOf(ports)));
        }
        policies.sort(Comparator.comparing(Policy::namespace).thenComparing(Policy::name));
        return new PeerAuthentications(policies);
    }

    private static Optional<Mode> mode(PeerAuthentication.MutualTLS mtls) {
        return switch (mtls.getMode()) {
            case DISABLE -> Optional.of(Mode.DISABLE);
            case PERMISSIVE -> Optional.of(Mode.PERMISSIVE);
            case STRICT -> Optional.of(Mode.STRICT);
            case UNSET, UNRECOGNIZED -> Optional.empty();
        };
    }

    /** Whether there are no policies at all. */
    public boolean isEmpty() {
        return policies.isEmpty();
    }

    /**
     * The mode of a workload's port.
     *
     * @param namespace the workload's namespace
     * @param labels    its labels
     * @param port      the port the workload serves (the target port the inbound listener binds)
     */
    public Mode mode(String namespace, Map<String, String> labels, int port) {
        Optional<Policy> mesh = first(MeshSnapshot.ROOT_NAMESPACE, null);
        Optional<Policy> namespaceWide = namespace.equals(MeshSnapshot.ROOT_NAMESPACE) ? Optional.empty()
                : first(namespace, null);
        Optional<Policy> workload = first(namespace, labels);
        Mode mode = mesh.flatMap(Policy::mode).orElse(Mode.PERMISSIVE);
        mode = namespaceWide.flatMap(Policy::mode).orElse(mode);
        if (workload.isPresent()) {
            mode = workload.get().mode().orElse(mode);
            mode = workload.get().ports().getOrDefault(port, mode);
        }
        return mode;
    }

    /** The first policy of {@code namespace} without a selector (labels null), or whose selector matches. */
    private Optional<Policy> first(String namespace, Map<String, String> labels) {
        for (Policy policy : policies) {
            if (!policy.namespace().equals(namespace)) {
                continue;
            }
            if (labels == null ? policy.selector().isEmpty()
                    : !policy.selector().isEmpty() && Labels.matches(policy.selector(), labels)) {
                return Optional.of(policy);
            }
        }
        return Optional.empty();
    }
}
