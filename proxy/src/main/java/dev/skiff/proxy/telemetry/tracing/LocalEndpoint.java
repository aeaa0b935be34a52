package dev.skiff.proxy.telemetry.tracing;

import java.util.Objects;

/**
 * The sidecar as Zipkin names it in every span: Istio's service cluster ({@code <app>.<namespace>}) and the
 * workload's address when known.
 *
 * @param serviceName the service name spans are filed under
 * @param address     the workload's IP address, null when unknown
 * @param nodeId      the sidecar's node id, reported in the {@code node_id} tag
 * @param namespace   the workload's namespace, reported in the {@code istio.namespace} tag
 */
public record LocalEndpoint(String serviceName, String address, String nodeId, String namespace) {

    public LocalEndpoint {
        Objects.requireNonNull(serviceName, "serviceName");
        Objects.requireNonNull(nodeId, "nodeId");
        Objects.requireNonNull(namespace, "namespace");
    }
}
