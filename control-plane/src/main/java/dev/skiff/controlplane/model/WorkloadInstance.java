package dev.skiff.controlplane.model;

import java.util.Map;

/**
 * One endpoint of one service port.
 *
 * @param address        the IP address (or host name) to connect to
 * @param port           the port to connect to
 * @param weight         load balancing weight, at least 1
 * @param labels         the workload's labels (used by DestinationRule subsets)
 * @param locality       where it runs
 * @param serviceAccount the workload's service account, empty when not set
 */
public record WorkloadInstance(String address, int port, int weight, Map<String, String> labels, Locality locality,
                               String serviceAccount) {
    public WorkloadInstance {
        labels = Map.copyOf(labels);
    }
}
