package dev.skiff.controlplane.xds.generator;

import java.util.List;

/** Istio configuration documents the generator tests build their meshes from, as the YAML a user would write. */
final class MeshYaml {
    private MeshYaml() {
    }

    /** The documents as one multi-document YAML text. */
    static String documents(String... documents) {
        return String.join("---\n", List.of(documents));
    }

    /**
     * {@code reviews.default.svc.cluster.local} on HTTP port 9080, STATIC and mesh-internal, served by the workloads
     * labelled {@code app: reviews}.
     */
    static String reviewsService() {
        return """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: reviews, namespace: default}
                spec:
                  hosts: [reviews.default.svc.cluster.local]
                  location: MESH_INTERNAL
                  resolution: STATIC
                  ports: [{number: 9080, name: http, protocol: HTTP, targetPort: 9080}]
                  workloadSelector: {labels: {app: reviews}}
                """;
    }

    /**
     * ServiceEntry {@code name} in namespace default for the short host {@code name} on HTTP port {@code port}, served
     * by the workloads labelled {@code app: NAME}; location and resolution are left to their defaults.
     */
    static String shortNameService(String name, int port) {
        return """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: %1$s, namespace: default}
                spec:
                  hosts: [%1$s]
                  ports: [{number: %2$d, name: http, protocol: HTTP}]
                  workloadSelector: {labels: {app: %1$s}}
                """.formatted(name, port);
    }

    /** A STATIC mesh-internal ServiceEntry in namespace default with one port named after its protocol. */
    static String meshInternalService(String name, int port, String protocol, String... hosts) {
        return staticService(name, "MESH_INTERNAL", port, protocol, hosts);
    }

    /** A STATIC mesh-external ServiceEntry in namespace default with one port named after its protocol. */
    static String meshExternalService(String name, int port, String protocol, String... hosts) {
        return staticService(name, "MESH_EXTERNAL", port, protocol, hosts);
    }

    /** A WorkloadEntry; {@code labels} is the content of the label map, e.g. {@code app: reviews, version: v1}. */
    static String workload(String name, String namespace, String address, String labels) {
        return workloadEntry(name, namespace, "address: " + address + ", labels: {" + labels + "}");
    }

    /** A WorkloadEntry running as a service account. */
    static String workload(String name, String namespace, String address, String serviceAccount, String labels) {
        return workloadEntry(name, namespace,
                "address: " + address + ", serviceAccount: " + serviceAccount + ", labels: {" + labels + "}");
    }

    /** A DestinationRule in namespace default for {@code host} with the traffic policy written from column zero. */
    static String trafficPolicy(String name, String host, String policy) {
        return """
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: %s, namespace: default}
                spec:
                  host: %s
                  trafficPolicy:
                """.formatted(name, host) + policy.indent(4);
    }

    private static String staticService(String name, String location, int port, String protocol, String... hosts) {
        return """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: %s, namespace: default}
                spec:
                  hosts: [%s]
                  location: %s
                  resolution: STATIC
                  ports: [{number: %d, name: %s, protocol: %s}]
                """.formatted(name, String.join(", ", hosts), location, port, protocol.toLowerCase(), protocol);
    }

    private static String workloadEntry(String name, String namespace, String spec) {
        return """
                apiVersion: networking.istio.io/v1
                kind: WorkloadEntry
                metadata: {name: %s, namespace: %s}
                spec: {%s}
                """.formatted(name, namespace, spec);
    }
}
