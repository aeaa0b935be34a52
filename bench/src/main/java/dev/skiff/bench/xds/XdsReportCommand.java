package dev.skiff.bench.xds;

import com.fasterxml.jackson.databind.ObjectMapper;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/** {@code xds-report}: the markdown tables over a directory of {@code xds-sim} results. */
@Command(name = "xds-report", mixinStandardHelpOptions = true,
        description = "Print the control-plane benchmark's tables (markdown) from the xds-*.json files of a results directory.")
public final class XdsReportCommand implements java.util.concurrent.Callable<Integer> {
    @Parameters(index = "0", paramLabel = "DIR", description = "The results directory.")
    Path dir;

    @Option(names = "--out", paramLabel = "FILE", description = "Also write the tables to this file.")
    Path out;

    @Override
    public Integer call() throws IOException {
        List<SimResult> results = read(dir);
        if (results.isEmpty()) {
            throw new IllegalArgumentException(dir + " holds no xds-*.json results (expected the output of bench/cp-run)");
        }
        String report = render(results);
        System.out.print(report);
        if (out != null) {
            Files.writeString(out, report);
        }
        return 0;
    }

    static List<SimResult> read(Path dir) throws IOException {
        ObjectMapper mapper = new ObjectMapper();
        List<SimResult> results = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.filter(f -> f.getFileName().toString().matches("xds-.*\\.json")).sorted().toList()) {
                results.add(mapper.readValue(file.toFile(), SimResult.class));
            }
        }
        results.sort(Comparator.comparing(SimResult::services).thenComparing(SimResult::proxies)
                .thenComparing(SimResult::protocol, Comparator.reverseOrder()).thenComparing(SimResult::controlPlane));
        return results;
    }

    static String render(List<SimResult> results) {
        StringBuilder s = new StringBuilder();
        s.append("Convergence: from the config write to the last sidecar's ACK (ms, nearest rank over the changes)\n\n");
        s.append("| M services | N sidecars | xDS | control plane | sync s | route p50 | route p99 | endpoint p50 | endpoint p99 | timeouts |\n");
        s.append("|---:|---:|---|---|---:|---:|---:|---:|---:|---:|\n");
        for (SimResult r : results) {
            SimResult.Summary route = summary(r, "route");
            SimResult.Summary endpoint = summary(r, "endpoint");
            int timeouts = (route == null ? 0 : route.changes() - route.converged())
                    + (endpoint == null ? 0 : endpoint.changes() - endpoint.converged());
            s.append(String.format(Locale.ROOT, "| %d | %d | %s | %s | %.2f | %s | %s | %s | %s | %d |%n", r.services(),
                    r.proxies(), r.protocol(), r.controlPlane(), r.syncSeconds(),
                    millis(route == null ? null : route.p50Millis()), millis(route == null ? null : route.p99Millis()),
                    millis(endpoint == null ? null : endpoint.p50Millis()),
                    millis(endpoint == null ? null : endpoint.p99Millis()), timeouts));
        }
        s.append("\nCost: control-plane memory per connected sidecar (RSS and heap after a full GC, with N connected"
                + " minus before any), bytes received per push by all sidecars (and per sidecar), control-plane CPU"
                + " per push\n\n");
        s.append("| M services | N sidecars | xDS | control plane | RSS KB/sidecar | heap KB/sidecar | route push MB (KB/sidecar) | endpoint push MB (KB/sidecar) | CPU s/route push | CPU s/endpoint push | sync MB |\n");
        s.append("|---:|---:|---|---|---:|---:|---:|---:|---:|---:|---:|\n");
        for (SimResult r : results) {
            SimResult.Summary route = summary(r, "route");
            SimResult.Summary endpoint = summary(r, "endpoint");
            s.append(String.format(Locale.ROOT, "| %d | %d | %s | %s | %.1f | %.1f | %s | %s | %s | %s | %.1f |%n",
                    r.services(), r.proxies(), r.protocol(), r.controlPlane(), r.memory().rssPerProxy() / 1e3,
                    r.memory().heapPerProxy() / 1e3, push(route), push(endpoint), cpu(route), cpu(endpoint),
                    r.syncBytes() / 1e6));
        }
        return s.toString();
    }

    private static SimResult.Summary summary(SimResult r, String kind) {
        return r.summaries().stream().filter(s -> s.kind().equals(kind)).findFirst().orElse(null);
    }

    private static String millis(Double m) {
        return m == null ? "-" : String.format(Locale.ROOT, "%.0f", m);
    }

    private static String push(SimResult.Summary s) {
        return s == null ? "-" : String.format(Locale.ROOT, "%.2f (%.1f)", s.meanBytes() / 1e6, s.meanBytesPerProxy() / 1e3);
    }

    private static String cpu(SimResult.Summary s) {
        return s == null ? "-" : String.format(Locale.ROOT, "%.2f", s.meanCpuSeconds());
    }
}
