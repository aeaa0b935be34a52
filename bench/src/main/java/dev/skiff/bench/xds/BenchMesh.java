package dev.skiff.bench.xds;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;

/**
 * The mesh the control-plane benchmark serves: {@code services} HTTP services on port 8080 spread over up to ten
 * namespaces, each with one plain endpoint, every tenth with a VirtualService, and {@code proxies} sidecars, each a
 * workload (WorkloadEntry) of service {@code j % services}. Every sidecar sees every service, as in a mesh without
 * Sidecar resources. Addresses are loopback addresses that nothing ever connects to: sidecars in 127.64.0.0/16,
 * plain endpoints in 127.65.0.0/16, endpoints added by changes in 127.66.0.0/16.
 *
 * <p>The same files configure Skiff's control plane and the java-control-plane baseline, and the changes the
 * simulator applies are written to them the same way.
 */
public record BenchMesh(int services, int proxies) {
    public static final int PORT = 8080;
    public static final int TARGET_PORT = 9080;
    /** The file whose VirtualService (of service 0) each route change rewrites. */
    public static final String CHANGED_ROUTE_FILE = "vs-svc-0.yaml";
    private static final int MAX_NAMESPACES = 10;
    private static final int HOSTS_PER_OCTET = 250;

    public BenchMesh {
        if (services < 1) {
            throw new IllegalArgumentException("--services: " + services + " (expected >= 1)");
        }
        if (proxies < 1 || proxies > HOSTS_PER_OCTET * 256) {
            throw new IllegalArgumentException("--proxies: " + proxies + " (expected 1 to " + HOSTS_PER_OCTET * 256 + ")");
        }
    }

    int namespaces() {
        return Math.min(MAX_NAMESPACES, services);
    }

    String serviceNamespace(int service) {
        return "bench-" + (service % namespaces());
    }

    String serviceName(int service) {
        return "svc-" + service;
    }

    String serviceHost(int service) {
        return serviceName(service) + "." + serviceNamespace(service) + ".svc.cluster.local";
    }

    int serviceOf(int proxy) {
        return proxy % services;
    }

    String workload(int proxy) {
        return "wl-" + proxy;
    }

    String proxyNamespace(int proxy) {
        return serviceNamespace(serviceOf(proxy));
    }

    String proxyAddress(int proxy) {
        return address(64, proxy);
    }

    /** The node id a sidecar sends: {@code sidecar~<address>~<workload>.<namespace>~<namespace>.svc.cluster.local}. */
    String nodeId(int proxy) {
        String ns = proxyNamespace(proxy);
        return "sidecar~" + proxyAddress(proxy) + "~" + workload(proxy) + "." + ns + "~" + ns + ".svc.cluster.local";
    }

    /** The address of the endpoint that change {@code sequence} adds. */
    static String addedEndpointAddress(int sequence) {
        return address(66, sequence);
    }

    /** The service that change {@code sequence}'s endpoint joins. */
    int addedEndpointService(int sequence) {
        return (sequence * 7 + 1) % services;
    }

    /** The header value the route change {@code token} puts into service 0's VirtualService. */
    static String routeToken(String runId, int sequence) {
        return "change-" + runId + "-" + sequence;
    }

    private static String address(int second, int index) {
        return "127." + second + "." + (index / HOSTS_PER_OCTET) + "." + (index % HOSTS_PER_OCTET + 1);
    }

    /** Writes the whole mesh into {@code dir} (created if missing): services, endpoints, sidecars, routes. */
    public void write(Path dir) throws IOException {
        Files.createDirectories(dir);
        StringBuilder services = new StringBuilder();
        for (int i = 0; i < this.services; i++) {
            services.append(String.format(Locale.ROOT, """
                    apiVersion: networking.istio.io/v1
                    kind: ServiceEntry
                    metadata:
                      name: %s
                      namespace: %s
                    spec:
                      hosts: [%s]
                      location: MESH_INTERNAL
                      resolution: STATIC
                      ports:
                      - number: %d
                        name: http
                        protocol: HTTP
                        targetPort: %d
                      workloadSelector:
                        labels:
                          app: %s
                    ---
                    apiVersion: networking.istio.io/v1
                    kind: WorkloadEntry
                    metadata:
                      name: ep-%d
                      namespace: %s
                    spec:
                      address: %s
                      labels:
                        app: %s
                    ---
                    """, serviceName(i), serviceNamespace(i), serviceHost(i), PORT, TARGET_PORT, serviceName(i),
                    i, serviceNamespace(i), address(65, i), serviceName(i)));
            if (i % 10 == 0 && i != 0) {
                services.append(virtualService(i, "1")).append("---\n");
            }
        }
        atomicWrite(dir.resolve("services.yaml"), services.toString());
        StringBuilder sidecars = new StringBuilder();
        for (int j = 0; j < proxies; j++) {
            sidecars.append(String.format(Locale.ROOT, """
                    apiVersion: networking.istio.io/v1
                    kind: WorkloadEntry
                    metadata:
                      name: %s
                      namespace: %s
                    spec:
                      address: %s
                      labels:
                        app: %s
                        version: v1
                    ---
                    """, workload(j), proxyNamespace(j), proxyAddress(j), serviceName(serviceOf(j))));
        }
        atomicWrite(dir.resolve("sidecars.yaml"), sidecars.toString());
        writeRoute(dir, "initial");
    }

    /** Rewrites service 0's VirtualService so that its canary route matches header value {@code token}. */
    void writeRoute(Path dir, String token) throws IOException {
        atomicWrite(dir.resolve(CHANGED_ROUTE_FILE), virtualService(0, token));
    }

    /** Adds change {@code sequence}'s endpoint as a WorkloadEntry of its own file. */
    void writeAddedEndpoint(Path dir, int sequence) throws IOException {
        int service = addedEndpointService(sequence);
        atomicWrite(dir.resolve("added-endpoint-" + sequence + ".yaml"), String.format(Locale.ROOT, """
                apiVersion: networking.istio.io/v1
                kind: WorkloadEntry
                metadata:
                  name: added-%d
                  namespace: %s
                spec:
                  address: %s
                  labels:
                    app: %s
                """, sequence, serviceNamespace(service), addedEndpointAddress(sequence), serviceName(service)));
    }

    /** How many endpoints earlier changes added to {@code dir}; the next change continues their numbering. */
    int addedEndpoints(Path dir) throws IOException {
        try (var files = Files.list(dir)) {
            return (int) files.filter(f -> f.getFileName().toString().matches("added-endpoint-\\d+\\.yaml")).count();
        }
    }

    private String virtualService(int service, String canaryHeader) {
        return String.format(Locale.ROOT, """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata:
                  name: %s
                  namespace: %s
                spec:
                  hosts: [%s]
                  http:
                  - name: canary
                    match:
                    - headers:
                        x-canary:
                          exact: "%s"
                    route:
                    - destination:
                        host: %s
                  - name: default
                    route:
                    - destination:
                        host: %s
                """, serviceName(service), serviceNamespace(service), serviceHost(service), canaryHeader,
                serviceHost(service), serviceHost(service));
    }

    /** Writes through a temporary file and a rename, so that a watcher never reads half a file. */
    private static void atomicWrite(Path file, String content) throws IOException {
        Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
        Files.writeString(tmp, content);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
