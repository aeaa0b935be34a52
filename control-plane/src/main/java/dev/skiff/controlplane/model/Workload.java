package dev.skiff.controlplane.model;

import java.util.Map;

/**
 * A workload declared by a WorkloadEntry: an endpoint of the services that select it, and the identity of the
 * sidecar that runs next to it.
 *
 * @param namespace      the WorkloadEntry's namespace
 * @param name           the WorkloadEntry's name
 * @param address        its IP address (or host name)
 * @param labels         its labels
 * @param ports          port overrides by service port name
 * @param locality       where it runs
 * @param weight         its load balancing weight, at least 1
 * @param serviceAccount its service account, empty when not set
 */
public record Workload(String namespace, String name, String address, Map<String, String> labels,
                       Map<String, Integer> ports, Locality locality, int weight, String serviceAccount) {
    public Workload {
        labels = Map.copyOf(labels);
        ports = Map.copyOf(ports);
        if (weight < 1) {
            throw new IllegalArgumentException("weight: " + weight + " (expected: >= 1)");
        }
    }

    /** The port this workload serves {@code port} on: its own override for the port name, or the target port. */
    public int portFor(ServicePort port) {
        Integer override = ports.get(port.name());
        return override != null ? override : port.targetPort();
    }
}
