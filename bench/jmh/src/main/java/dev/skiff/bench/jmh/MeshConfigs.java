package dev.skiff.bench.jmh;

import dev.skiff.controlplane.config.ConfigLoader;
import dev.skiff.controlplane.config.ConfigSnapshot;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * A generated mesh configuration of a given size, read by the control plane's own strict loader: {@code services}
 * ServiceEntries (HTTP port 8080, STATIC resolution, selecting their workloads) spread over 20 namespaces, two
 * WorkloadEntries per service (versions v1 and v2, loopback addresses), and for every tenth service a
 * DestinationRule with subsets and a VirtualService with a header canary route and a 90/10 split.
 */
final class MeshConfigs {

    static final int NAMESPACES = 20;

    private MeshConfigs() {
    }

    static String namespace(int service) {
        return "ns-" + (service % NAMESPACES);
    }

    static String host(int service) {
        return "svc-" + service + "." + namespace(service) + ".svc.cluster.local";
    }

    /** The mesh as YAML documents. */
    static String yaml(int services) {
        StringBuilder yaml = new StringBuilder(services * 1200);
        for (int i = 0; i < services; i++) {
            String ns = namespace(i);
            String app = "svc-" + i;
            yaml.append("""
                    apiVersion: networking.istio.io/v1
                    kind: ServiceEntry
                    metadata:
                      name: %1$s
                      namespace: %2$s
                    spec:
                      hosts: [%3$s]
                      location: MESH_INTERNAL
                      resolution: STATIC
                      ports:
                      - number: 8080
                        name: http
                        protocol: HTTP
                        targetPort: 8080
                      workloadSelector:
                        labels:
                          app: %1$s
                    ---
                    """.formatted(app, ns, host(i)));
            for (int version = 1; version <= 2; version++) {
                int address = i * 2 + version;
                yaml.append("""
                        apiVersion: networking.istio.io/v1
                        kind: WorkloadEntry
                        metadata:
                          name: %1$s-v%3$d
                          namespace: %2$s
                        spec:
                          address: 127.60.%4$d.%5$d
                          labels:
                            app: %1$s
                            version: v%3$d
                        ---
                        """.formatted(app, ns, version, address / 250, address % 250 + 1));
            }
            if (i % 10 == 0) {
                yaml.append("""
                        apiVersion: networking.istio.io/v1
                        kind: DestinationRule
                        metadata:
                          name: %1$s
                          namespace: %2$s
                        spec:
                          host: %3$s
                          subsets:
                          - name: v1
                            labels: {version: v1}
                          - name: v2
                            labels: {version: v2}
                        ---
                        apiVersion: networking.istio.io/v1
                        kind: VirtualService
                        metadata:
                          name: %1$s
                          namespace: %2$s
                        spec:
                          hosts: [%3$s]
                          http:
                          - match:
                            - headers:
                                end-user:
                                  exact: jason
                            route:
                            - destination: {host: %3$s, subset: v2}
                          - route:
                            - destination: {host: %3$s, subset: v1}
                              weight: 90
                            - destination: {host: %3$s, subset: v2}
                              weight: 10
                        ---
                        """.formatted(app, ns, host(i)));
            }
        }
        return yaml.toString();
    }

    /** The mesh read by the control plane's loader; fails when the loader reports any error. */
    static ConfigSnapshot load(int services) {
        Path dir = null;
        try {
            dir = Files.createTempDirectory("skiff-bench-mesh");
            Path file = dir.resolve("mesh.yaml");
            Files.writeString(file, yaml(services), StandardCharsets.UTF_8);
            ConfigLoader.Result result = new ConfigLoader().load(List.of(file));
            if (!result.errors().isEmpty()) {
                throw new IllegalStateException("generated mesh of " + services + " services has "
                        + result.errors().size() + " configuration errors (expected: none), first: "
                        + result.errors().getFirst());
            }
            return new ConfigSnapshot(1, result.objects());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the generated mesh configuration", e);
        } finally {
            if (dir != null) {
                deleteTree(dir);
            }
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + dir, e);
        }
    }
}
