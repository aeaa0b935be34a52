package dev.skiff.e2e;

import dev.skiff.e2e.backend.TestBackend;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** The Istio documents the end-to-end meshes are written from: services and the workload entries behind them. */
final class MeshYaml {
    /** A connection pool of one connection and one pending request: the next concurrent request overflows. */
    static final String ONE_CONNECTION_ONE_PENDING = """
            connectionPool:
              tcp: {maxConnections: 1}
              http: {http1MaxPendingRequests: 1}
            """;
    /** Outlier detection that ejects an endpoint at its first 5xx, for the rest of the test. */
    static final String EJECT_AT_FIRST_5XX = """
            outlierDetection:
              consecutive5xxErrors: 1
              interval: 1s
              baseEjectionTime: 3m
              maxEjectionPercent: 100
            """;

    private MeshYaml() {
    }

    /** The documents as one multi-document YAML file. */
    static String documents(String... documents) {
        return String.join("---\n", List.of(documents));
    }

    /**
     * A STATIC mesh-internal ServiceEntry {@code name} for {@code host} with one HTTP port, served by the workloads
     * labelled {@code app: NAME}.
     */
    static String httpService(String name, String host, int port) {
        return staticService(name, host, port, "HTTP", """
                  workloadSelector:
                    labels: {app: %s}
                """.formatted(name));
    }

    /** Like {@link #httpService(String, String, int)}, served by endpoint addresses instead of workloads. */
    static String httpService(String name, String host, int port, InetSocketAddress... endpoints) {
        return staticService(name, host, port, "HTTP", endpoints(endpoints, "http"));
    }

    /** A STATIC mesh-internal ServiceEntry {@code name} for {@code host} with one TCP port, served by endpoints. */
    static String tcpService(String name, String host, int port, InetSocketAddress... endpoints) {
        return staticService(name, host, port, "TCP", endpoints(endpoints, "tcp"));
    }

    /** Like {@link #httpService(String, String, int)}, served by the backends as endpoints. */
    static String httpService(String name, String host, int port, TestBackend... endpoints) {
        return httpService(name, host, port, Arrays.stream(endpoints)
                .map(backend -> new InetSocketAddress(backend.host(), backend.port()))
                .toArray(InetSocketAddress[]::new));
    }

    /**
     * Bookinfo's two hops in namespace default: workload productpage-v1 at {@code client} (calling out only),
     * service {@code reviews.default.svc.cluster.local:9080} served by reviews-v1 at {@code server} on
     * {@code reviewsPort}, and {@code ratings.default.svc.cluster.local:9080} served by ratings-v1 at
     * {@code ratingsAddress} on {@code ratingsPort}.
     */
    static String productpageReviewsRatings(String client, String server, int reviewsPort, String ratingsAddress,
                                            int ratingsPort) {
        return documents(
                httpService("reviews", "reviews.default.svc.cluster.local", 9080),
                versionedWorkload("productpage", "v1", client, null),
                versionedWorkload("reviews", "v1", server, reviewsPort),
                httpService("ratings", "ratings.default.svc.cluster.local", 9080),
                versionedWorkload("ratings", "v1", ratingsAddress, ratingsPort));
    }

    /** A workload that only calls out, labelled {@code app: NAME}. */
    static String client(String name, String address) {
        return workloadEntry(name, address, null, "app: " + name, null, null);
    }

    /** Like {@link #client(String, String)}, in a locality ({@code region/zone/subzone}). */
    static String client(String name, String address, String locality) {
        return workloadEntry(name, address, null, "app: " + name, locality, null);
    }

    /** Workload {@code name} labelled {@code app: APP} in a locality, whose HTTP port the backend serves. */
    static String workload(String name, String app, String locality, TestBackend backend) {
        return workloadEntry(name, backend.host(), null, "app: " + app, locality, backend.port());
    }

    /** A workload labelled {@code app: NAME} whose HTTP port is served on {@code httpPort}. */
    static String workload(String name, String address, int httpPort) {
        return workloadEntry(name, address, null, "app: " + name, null, httpPort);
    }

    /**
     * Workload {@code APP-VERSION}, labelled {@code app: APP, version: VERSION}, whose HTTP port is served on
     * {@code httpPort}; a null {@code httpPort} serves none (a workload that only calls out).
     */
    static String versionedWorkload(String app, String version, String address, Integer httpPort) {
        return workloadEntry(app + "-" + version, address, null, "app: " + app + ", version: " + version, null,
                httpPort);
    }

    /**
     * A workload in the mesh's mutual TLS: it runs as service account {@code NAME} and carries the
     * {@code security.istio.io/tlsMode: istio} label next to {@code app: NAME}; a null {@code httpPort} serves none.
     */
    static String meshedWorkload(String name, String address, Integer httpPort) {
        return workloadEntry(name, address, name, "app: " + name + ", security.istio.io/tlsMode: istio", null,
                httpPort);
    }

    /** A DestinationRule {@code name} for {@code host} with subsets v1 and v2 by the {@code version} label. */
    static String versionSubsets(String name, String host) {
        return destinationRule(name, host, """
                subsets:
                - {name: v1, labels: {version: v1}}
                - {name: v2, labels: {version: v2}}
                """);
    }

    /** A DestinationRule {@code name} for {@code host} with the traffic policy, YAML written from column zero. */
    static String trafficPolicy(String name, String host, String policy) {
        return destinationRule(name, host, "trafficPolicy:\n" + policy.indent(2));
    }

    private static String destinationRule(String name, String host, String spec) {
        return """
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: %s}
                spec:
                  host: %s
                """.formatted(name, host) + spec.indent(2);
    }

    private static String staticService(String name, String host, int port, String protocol, String backends) {
        return """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: %s}
                spec:
                  hosts: [%s]
                  location: MESH_INTERNAL
                  resolution: STATIC
                  ports:
                  - {number: %d, name: %s, protocol: %s}
                """.formatted(name, host, port, protocol.toLowerCase(Locale.ROOT), protocol) + backends;
    }

    private static String endpoints(InetSocketAddress[] endpoints, String portName) {
        StringBuilder yaml = new StringBuilder("  endpoints:\n");
        for (InetSocketAddress endpoint : endpoints) {
            yaml.append("  - {address: ").append(endpoint.getHostString()).append(", ports: {").append(portName)
                    .append(": ").append(endpoint.getPort()).append("}}\n");
        }
        return yaml.toString();
    }

    private static String workloadEntry(String name, String address, String serviceAccount, String labels,
                                        String locality, Integer httpPort) {
        return "apiVersion: networking.istio.io/v1\n"
                + "kind: WorkloadEntry\n"
                + "metadata: {name: " + name + "}\n"
                + "spec:\n"
                + "  address: " + address + "\n"
                + (serviceAccount == null ? "" : "  serviceAccount: " + serviceAccount + "\n")
                + "  labels: {" + labels + "}\n"
                + (locality == null ? "" : "  locality: " + locality + "\n")
                + (httpPort == null ? "" : "  ports: {http: " + httpPort + "}\n");
    }
}
