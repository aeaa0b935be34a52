package dev.skiff.controlplane.xds;

import java.util.Map;

/**
 * What the generators may know about one connected client: who it is and where it runs. Built from the xDS
 * {@code Node} of the stream.
 *
 * @param id        the node id as sent
 * @param kind      a Skiff/Envoy sidecar, or a proxyless gRPC client
 * @param workload  the WorkloadEntry name ({@code null} for proxyless clients)
 * @param namespace the workload's namespace ({@code "default"} when unknown)
 * @param labels    the workload labels the node reported
 */
public record ProxyView(String id, Kind kind, String workload, String namespace, Map<String, String> labels) {
    public enum Kind { SIDECAR, PROXYLESS }

    public ProxyView {
        labels = Map.copyOf(labels);
    }
}
