package dev.skiff.bench;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code idle}: the resident memory and CPU of the watched proxies while no traffic goes through them. */
@Command(name = "idle", mixinStandardHelpOptions = true,
        description = {"Read the peak RSS and the CPU seconds of the watched processes over a window without load,",
                "e.g. sidecars that have received their configuration and serve nothing yet."})
final class IdleCommand implements Callable<Integer> {

    /** The JSON document written by {@code --json} ({@code kind} = {@code "idle"}). */
    record IdleResult(String kind, String topology, int servicesInScope, Map<String, Integer> clusters,
                      double durationSeconds, List<ProcessSampler.ProcessCost> processes) {
        static final String KIND = "idle";
    }

    @Option(names = "--topology", required = true, description = "Name of what is measured, for the report.")
    String topology;


    @Option(names = "--duration", defaultValue = "3s", description = "How long to watch (default: ${DEFAULT-VALUE}).")
    String duration;

    @Option(names = "--services-in-scope", defaultValue = "1",
            description = "How many services the watched sidecars can reach, for the report (default: ${DEFAULT-VALUE}).")
    int servicesInScope;

    @Option(names = "--clusters", paramLabel = "NAME=COUNT",
            description = "How many upstream clusters a watched process holds, for the report; repeatable.")
    List<String> clusters = new ArrayList<>();

    @Mixin
    MeasureOptions measure;

    @Override
    public Integer call() throws IOException {
        long window = Durations.parse("--duration", duration).toNanos();
        if (window == 0) {
            throw new IllegalArgumentException("--duration: '" + duration + "' (expected a duration > 0)");
        }
        Map<String, Integer> counts = parseCounts(clusters);
        if (measure.watch.isEmpty()) {
            throw new IllegalArgumentException("--watch: no process given (expected NAME=PID, e.g. client=1234)");
        }
        ProcessSampler sampler = measure.sampler();
        sampler.requireAlive();
        long start = System.nanoTime();
        sampler.measure(start, start + window);
        IdleResult result = new IdleResult(IdleResult.KIND, topology, servicesInScope, counts, window / 1e9,
                sampler.costs(0));
        print(System.out, result);
        measure.write(result);
        return 0;
    }

    /** {@code NAME=COUNT} pairs, in the order given. */
    static Map<String, Integer> parseCounts(List<String> pairs) {
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (String pair : pairs) {
            int eq = pair.indexOf('=');
            try {
                if (eq <= 0) {
                    throw new NumberFormatException();
                }
                counts.put(pair.substring(0, eq), Integer.parseUnsignedInt(pair.substring(eq + 1)));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--clusters: '" + pair + "' (expected NAME=COUNT, e.g. client=1003)");
            }
        }
        return counts;
    }

    static void print(PrintStream out, IdleResult r) {
        out.printf(Locale.ROOT, "%s idle for %.1f s (%d service%s in scope%s):%n", r.topology(), r.durationSeconds(),
                r.servicesInScope(), r.servicesInScope() == 1 ? "" : "s",
                r.clusters().isEmpty() ? "" : ", clusters " + r.clusters());
        for (ProcessSampler.ProcessCost c : r.processes()) {
            out.printf(Locale.ROOT, "  %s (pid %d): peak RSS %.1f MB, %.2f CPU s%n", c.name(), c.pid(),
                    c.maxRssBytes() / 1e6, c.cpuSeconds());
        }
    }
}
