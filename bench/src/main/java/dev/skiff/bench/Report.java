package dev.skiff.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.ToDoubleFunction;
import java.util.stream.Stream;

/**
 * Aggregates a directory of results (fixed-rate runs written by {@code load --json}, {@code "kind": "latency"}, and
 * saturation runs written by bench/run from wrk, {@code "kind": "throughput"}) into Markdown tables: the median over
 * repeats with the min-max spread, and each proxied topology's added latency over {@code direct}, paired by repeat.
 */
final class Report {
    static final String DIRECT = "direct";
    private static final List<String> PREFERRED_ORDER = List.of(DIRECT, "nginx", "haproxy", "skiff");
    private static final String[] PERCENTILES = {"p50", "p90", "p99", "p999"};
    private static final String[] PERCENTILE_LABELS = {"p50", "p90", "p99", "p99.9"};

    /** One fixed-rate run, as much of it as the report needs. */
    record LatencyRun(String topology, int repeat, int rate, Map<String, Double> latencyMillis, double achievedRate,
                      long errors, List<Cost> costs) {
    }

    record Cost(String process, double cpuPer1000, double rssMegabytes) {
    }

    /** One wrk saturation run. */
    record ThroughputRun(String topology, int repeat, int connections, double requestsPerSecond, long errors) {
    }

    private final List<LatencyRun> latency;
    private final List<ThroughputRun> throughput;

    Report(List<LatencyRun> latency, List<ThroughputRun> throughput) {
        this.latency = List.copyOf(latency);
        this.throughput = List.copyOf(throughput);
    }

    /** Reads every {@code *.json} file of {@code dir}; files of other kinds are refused with their name. */
    static Report read(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("results directory " + dir + " does not exist");
        }
        ObjectMapper mapper = new ObjectMapper();
        List<LatencyRun> latency = new ArrayList<>();
        List<ThroughputRun> throughput = new ArrayList<>();
        List<Path> files;
        try (Stream<Path> list = Files.list(dir)) {
            files = list.filter(p -> p.getFileName().toString().endsWith(".json")).sorted().toList();
        }
        for (Path file : files) {
            JsonNode n = mapper.readTree(file.toFile());
            String kind = n.path("kind").asText("");
            switch (kind) {
                case RunResult.KIND -> latency.add(latencyRun(n));
                case "throughput" -> throughput.add(new ThroughputRun(n.path("topology").asText(), n.path("repeat").asInt(1),
                        n.path("connections").asInt(), n.path("requestsPerSecond").asDouble(), sumOf(n.path("errors"))));
                default -> throw new IllegalArgumentException(file + ": unknown result kind '" + kind
                        + "' (expected \"latency\" or \"throughput\")");
            }
        }
        return new Report(latency, throughput);
    }

    private static LatencyRun latencyRun(JsonNode n) {
        Map<String, Double> l = new LinkedHashMap<>();
        for (String p : new String[]{"p50", "p90", "p99", "p999", "max"}) {
            l.put(p, n.path("latencyMillis").path(p).asDouble());
        }
        List<Cost> costs = new ArrayList<>();
        for (JsonNode c : n.path("processes")) {
            costs.add(new Cost(c.path("name").asText(), c.path("cpuSecondsPer1000Requests").asDouble(),
                    c.path("maxRssBytes").asDouble() / 1e6));
        }
        return new LatencyRun(n.path("topology").asText(), n.path("repeat").asInt(1), n.path("rate").asInt(), l,
                n.path("achievedRate").asDouble(), sumOf(n.path("errors")), costs);
    }

    private static long sumOf(JsonNode counts) {
        long sum = 0;
        for (JsonNode v : counts) {
            sum += v.asLong();
        }
        return sum;
    }

    /** The whole report as Markdown. */
    String render() {
        StringBuilder out = new StringBuilder();
        if (!latency.isEmpty()) {
            latencyTable(out);
            addedLatencyTable(out);
            costTable(out);
        }
        if (!throughput.isEmpty()) {
            throughputTable(out);
        }
        if (out.isEmpty()) {
            out.append("No results.\n");
        }
        return out.toString();
    }

    private void latencyTable(StringBuilder out) {
        out.append("### Latency at fixed rates (ms, from the intended send time; median of repeats [min-max])\n\n");
        out.append("| topology | rate | p50 | p90 | p99 | p99.9 | max | achieved rps | errors | repeats |\n");
        out.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Map.Entry<Key, List<LatencyRun>> e : byTopologyAndRate().entrySet()) {
            List<LatencyRun> runs = e.getValue();
            out.append("| ").append(e.getKey().topology()).append(" | ").append(e.getKey().rate());
            for (String p : new String[]{"p50", "p90", "p99", "p999", "max"}) {
                out.append(" | ").append(spread(runs, r -> r.latencyMillis().get(p), "%.3f"));
            }
            out.append(" | ").append(spread(runs, LatencyRun::achievedRate, "%.1f"));
            out.append(" | ").append(runs.stream().mapToLong(LatencyRun::errors).sum());
            out.append(" | ").append(runs.size()).append(" |\n");
        }
        out.append('\n');
    }

    private void addedLatencyTable(StringBuilder out) {
        Map<Key, List<LatencyRun>> groups = byTopologyAndRate();
        StringBuilder rows = new StringBuilder();
        for (Map.Entry<Key, List<LatencyRun>> e : groups.entrySet()) {
            Key key = e.getKey();
            List<LatencyRun> direct = groups.get(new Key(DIRECT, key.rate()));
            if (key.topology().equals(DIRECT) || direct == null) {
                continue;
            }
            rows.append("| ").append(key.topology()).append(" | ").append(key.rate());
            for (String p : PERCENTILES) {
                double[] diffs = pairedDifferences(e.getValue(), direct, p);
                rows.append(" | ").append(diffs.length == 0 ? "-" : format(diffs, "%+.3f"));
            }
            rows.append(" |\n");
        }
        if (rows.isEmpty()) {
            return;
        }
        out.append("### Added latency over direct (ms; topology minus direct in the same repeat, median [min-max])\n\n");
        out.append("| topology | rate |");
        for (String label : PERCENTILE_LABELS) {
            out.append(' ').append(label).append(" |");
        }
        out.append("\n|---|---:|---:|---:|---:|---:|\n").append(rows).append('\n');
    }

    /** Differences of one percentile between runs of the same repeat; repeats without a direct run are left out. */
    static double[] pairedDifferences(List<LatencyRun> runs, List<LatencyRun> direct, String percentile) {
        Map<Integer, Double> directByRepeat = new TreeMap<>();
        direct.forEach(d -> directByRepeat.put(d.repeat(), d.latencyMillis().get(percentile)));
        return runs.stream()
                .filter(r -> directByRepeat.containsKey(r.repeat()))
                .mapToDouble(r -> r.latencyMillis().get(percentile) - directByRepeat.get(r.repeat()))
                .toArray();
    }

    private void costTable(StringBuilder out) {
        StringBuilder rows = new StringBuilder();
        for (Map.Entry<Key, List<LatencyRun>> e : byTopologyAndRate().entrySet()) {
            List<LatencyRun> runs = e.getValue();
            List<String> processes = runs.getFirst().costs().stream().map(Cost::process).toList();
            for (String process : processes) {
                costRow(rows, e.getKey(), process, runs, r -> cpu(r, process), r -> rss(r, process));
            }
            if (processes.size() > 1) {
                costRow(rows, e.getKey(), String.join("+", processes), runs,
                        r -> r.costs().stream().mapToDouble(Cost::cpuPer1000).sum(),
                        r -> r.costs().stream().mapToDouble(Cost::rssMegabytes).sum());
            }
        }
        if (rows.isEmpty()) {
            return;
        }
        out.append("### Proxy cost at fixed rates (median of repeats [min-max])\n\n");
        out.append("CPU seconds per 1000 requests equals vCPU per 1000 requests/s.\n\n");
        out.append("| topology | rate | process | CPU s per 1000 requests | peak RSS MB |\n");
        out.append("|---|---:|---|---:|---:|\n").append(rows).append('\n');
    }

    private static void costRow(StringBuilder rows, Key key, String process, List<LatencyRun> runs,
                                ToDoubleFunction<LatencyRun> cpu, ToDoubleFunction<LatencyRun> rss) {
        rows.append("| ").append(key.topology()).append(" | ").append(key.rate()).append(" | ").append(process)
                .append(" | ").append(spread(runs, cpu, "%.4f"))
                .append(" | ").append(spread(runs, rss, "%.1f")).append(" |\n");
    }

    private static double cpu(LatencyRun r, String process) {
        return r.costs().stream().filter(c -> c.process().equals(process)).mapToDouble(Cost::cpuPer1000).sum();
    }

    private static double rss(LatencyRun r, String process) {
        return r.costs().stream().filter(c -> c.process().equals(process)).mapToDouble(Cost::rssMegabytes).sum();
    }

    private void throughputTable(StringBuilder out) {
        Map<String, List<ThroughputRun>> byTopology = new TreeMap<>(topologyOrder());
        throughput.forEach(t -> byTopology.computeIfAbsent(t.topology(), x -> new ArrayList<>()).add(t));
        List<ThroughputRun> direct = byTopology.get(DIRECT);
        double directMedian = direct == null ? 0 : median(direct.stream().mapToDouble(ThroughputRun::requestsPerSecond).toArray());
        out.append("### Saturation throughput (wrk, requests/s; median of repeats [min-max])\n\n");
        out.append("| topology | connections | requests/s | ratio to direct | errors | repeats |\n");
        out.append("|---|---:|---:|---:|---:|---:|\n");
        for (Map.Entry<String, List<ThroughputRun>> e : byTopology.entrySet()) {
            List<ThroughputRun> runs = e.getValue();
            double[] rps = runs.stream().mapToDouble(ThroughputRun::requestsPerSecond).toArray();
            out.append("| ").append(e.getKey()).append(" | ").append(runs.getFirst().connections())
                    .append(" | ").append(format(rps, "%.0f"))
                    .append(" | ").append(directMedian == 0 ? "-" : String.format(Locale.ROOT, "%.2f", median(rps) / directMedian))
                    .append(" | ").append(runs.stream().mapToLong(ThroughputRun::errors).sum())
                    .append(" | ").append(runs.size()).append(" |\n");
        }
        out.append('\n');
    }

    private record Key(String topology, int rate) {
    }

    private Map<Key, List<LatencyRun>> byTopologyAndRate() {
        Comparator<Key> order = Comparator.comparing(Key::topology, topologyOrder()).thenComparingInt(Key::rate);
        Map<Key, List<LatencyRun>> groups = new TreeMap<>(order);
        latency.forEach(r -> groups.computeIfAbsent(new Key(r.topology(), r.rate()), k -> new ArrayList<>()).add(r));
        return groups;
    }

    private static Comparator<String> topologyOrder() {
        return Comparator.<String>comparingInt(t -> {
            int i = PREFERRED_ORDER.indexOf(t);
            return i < 0 ? PREFERRED_ORDER.size() : i;
        }).thenComparing(Comparator.naturalOrder());
    }

    private static <T> String spread(List<T> runs, ToDoubleFunction<T> value, String format) {
        return format(runs.stream().mapToDouble(value).toArray(), format);
    }

    /** {@code median} alone for one value, {@code median [min-max]} for more. */
    static String format(double[] values, String format) {
        String median = String.format(Locale.ROOT, format, median(values));
        if (values.length < 2) {
            return median;
        }
        double min = Arrays.stream(values).min().orElseThrow();
        double max = Arrays.stream(values).max().orElseThrow();
        return median + " [" + String.format(Locale.ROOT, format, min) + " to " + String.format(Locale.ROOT, format, max) + "]";
    }

    static double median(double[] values) {
        if (values.length == 0) {
            throw new IllegalArgumentException("median of no values");
        }
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int mid = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}
