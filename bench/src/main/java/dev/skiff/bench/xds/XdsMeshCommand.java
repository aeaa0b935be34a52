package dev.skiff.bench.xds;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code xds-mesh}: writes the control-plane benchmark's mesh (Istio YAML) into a directory. */
@Command(name = "xds-mesh", mixinStandardHelpOptions = true,
        description = {"Write the control-plane benchmark's mesh as Istio YAML: HTTP services on port 8080 in up to"
                + " ten namespaces, one endpoint each, a VirtualService on every tenth, and one WorkloadEntry per"
                + " simulated sidecar."})
public final class XdsMeshCommand implements Callable<Integer> {
    @Option(names = "--services", required = true, description = "Services (M).")
    int services;

    @Option(names = "--proxies", required = true, description = "Simulated sidecars (N), each a workload of a service.")
    int proxies;

    @Option(names = "--dir", required = true, description = "Directory to write into (created if missing).")
    Path dir;

    @Override
    public Integer call() throws IOException {
        new BenchMesh(services, proxies).write(dir);
        return 0;
    }
}
