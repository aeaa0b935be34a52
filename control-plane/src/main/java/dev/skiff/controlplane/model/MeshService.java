package dev.skiff.controlplane.model;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A service: one host of a ServiceEntry with that entry's ports.
 *
 * @param host             the fully qualified host name
 * @param namespace        the ServiceEntry's namespace
 * @param name             the ServiceEntry's name
 * @param ports            its ports, in declaration order
 * @param exportTo         the namespaces that may see it
 * @param workloadSelector labels selecting WorkloadEntries of the same namespace; empty when it selects none
 */
public record MeshService(String host, String namespace, String name, List<ServicePort> ports, ExportTo exportTo,
                          Map<String, String> workloadSelector) {
    public MeshService {
        ports = List.copyOf(ports);
        workloadSelector = Map.copyOf(workloadSelector);
    }

    /** The port with this number. */
    public Optional<ServicePort> port(int number) {
        for (ServicePort port : ports) {
            if (port.number() == number) {
                return Optional.of(port);
            }
        }
        return Optional.empty();
    }

    /** Whether the workload selector picks a workload of {@code workloadNamespace} with these labels. */
    public boolean selects(String workloadNamespace, Map<String, String> labels) {
        return !workloadSelector.isEmpty() && namespace.equals(workloadNamespace)
                && Labels.matches(workloadSelector, labels);
    }
}
