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
    private static final List<String> PREFERRED_ORDER = List.of(DIRECT, "nginx", "haproxy", "skiff", "skiff-mtls",
            "skiff-scope");
    /** The rate whose peak RSS the memory table puts next to the idle RSS. */
    static final int MEMORY_RATE = 1000;
    /** Result kinds of h2load runs (written by bench/run) and of {@code grpc-load} runs. */
    static final String H2_KIND = "h2";
    static final String GRPC_KIND = "grpc";
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

    /** The watched proxies of one topology without load, with what they hold. */
    record IdleRun(String topology, int servicesInScope, Map<String, Integer> clusters, List<Cost> costs) {
    }

    /**
     * One HTTP/2 (h2load) or gRPC ({@code grpc-load}) saturation run.
     *
     * @param load what drove it, e.g. {@code 4 connections x 16 streams}
     * @param p50  median latency in ms, or NaN when the load tool does not report it
     * @param p99  99th percentile latency in ms, or NaN
     */
    record ProtocolRun(String protocol, String topology, int repeat, String load, double requestsPerSecond,
                       double p50, double p99, long errors, List<Cost> costs) {
    }

    private final List<LatencyRun> latency;
    private final List<ThroughputRun> throughput;
    private final List<IdleRun> idle;
    private final List<ProtocolRun> protocols;

    Report(List<LatencyRun> latency, List<ThroughputRun> throughput) {
        this(latency, throughput, List.of(), List.of());
    }

    Report(List<LatencyRun> latency, List<ThroughputRun> throughput, List<IdleRun> idle, List<ProtocolRun> protocols) {
        this.latency = List.copyOf(latency);
        this.throughput = List.copyOf(throughput);
        this.idle = List.copyOf(idle);
        this.protocols = List.copyOf(protocols);
    }

    /** Reads every {@code *.json} file of {@code dir}; files of other kinds are refused with their name. */
    static Report read(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("results directory " + dir + " does not exist");
        }
        ObjectMapper mapper = new ObjectMapper();
        List<LatencyRun> latency = new ArrayList<>();
        List<ThroughputRun> throughput = new ArrayList<>();
        List<IdleRun> idle = new ArrayList<>();
        List<ProtocolRun> protocols = new ArrayList<>();
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
                case IdleCommand.IdleResult.KIND -> idle.add(idleRun(n));
                case H2_KIND, GRPC_KIND -> protocols.add(protocolRun(kind, n));
                default -> throw new IllegalArgumentException(file + ": unknown result kind '" + kind
                        + "' (expected \"latency\", \"throughput\", \"idle\", \"h2\" or \"grpc\")");
            }
        }
        return new Report(latency, throughput, idle, protocols);
    }

    private static IdleRun idleRun(JsonNode n) {
        Map<String, Integer> clusters = new LinkedHashMap<>();
        n.path("clusters").properties().forEach(e -> clusters.put(e.getKey(), e.getValue().asInt()));
        return new IdleRun(n.path("topology").asText(), n.path("servicesInScope").asInt(1), clusters, costs(n));
    }

    private static ProtocolRun protocolRun(String kind, JsonNode n) {
        JsonNode l = n.path("latencyMillis");
        return new ProtocolRun(kind.equals(H2_KIND) ? "HTTP/2" : "gRPC", n.path("topology").asText(),
                n.path("repeat").asInt(1), n.path("load").asText(), n.path("requestsPerSecond").asDouble(),
                l.path("p50").asDouble(Double.NaN), l.path("p99").asDouble(Double.NaN), sumOf(n.path("errors")),
                costs(n));
    }

    private static List<Cost> costs(JsonNode n) {
        List<Cost> costs = new ArrayList<>();
        for (JsonNode c : n.path("processes")) {
            costs.add(new Cost(c.path("name").asText(), c.path("cpuSecondsPer1000Requests").asDouble(),
                    c.path("maxRssBytes").asDouble() / 1e6));
        }
        return costs;
    }

    private static LatencyRun latencyRun(JsonNode n) {
        Map<String, Double> l = new LinkedHashMap<>();
        for (String p : new String[]{"p50", "p90", "p99", "p999", "max"}) {
            l.put(p, n.path("latencyMillis").path(p).asDouble());
        }
        return new LatencyRun(n.path("topology").asText(), n.path("repeat").asInt(1), n.path("rate").asInt(), l,
                n.path("achievedRate").asDouble(), sumOf(n.path("errors")), costs(n));
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
        if (!idle.isEmpty()) {
            memoryTable(out);
        }
        if (!throughput.isEmpty()) {
            throughputTable(out);
        }
        if (!protocols.isEmpty()) {
            protocolTable(out);
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
                costRow(rows, e.getKey(), process, runs, r -> cpu(r.costs(), process), r -> rss(r.costs(), process));
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

    private static double cpu(List<Cost> costs, String process) {
        return costs.stream().filter(c -> c.process().equals(process)).mapToDouble(Cost::cpuPer1000).sum();
    }

    private static double rss(List<Cost> costs, String process) {
        return costs.stream().filter(c -> c.process().equals(process)).mapToDouble(Cost::rssMegabytes).sum();
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

    private void memoryTable(StringBuilder out) {
        Map<String, List<IdleRun>> byTopology = new TreeMap<>(topologyOrder());
        idle.forEach(r -> byTopology.computeIfAbsent(r.topology(), x -> new ArrayList<>()).add(r));
        Map<Key, List<LatencyRun>> loaded = byTopologyAndRate();
        out.append("### Proxy memory: idle and at ").append(MEMORY_RATE)
                .append(" requests/s (peak RSS MB; median of runs [min-max])\n\n");
        out.append("| topology | services in scope | process | clusters | idle RSS MB | RSS MB at ").append(MEMORY_RATE)
                .append(" requests/s |\n");
        out.append("|---|---:|---|---:|---:|---:|\n");
        for (Map.Entry<String, List<IdleRun>> e : byTopology.entrySet()) {
            List<IdleRun> runs = e.getValue();
            List<LatencyRun> atRate = loaded.getOrDefault(new Key(e.getKey(), MEMORY_RATE), List.of());
            for (Cost process : runs.getFirst().costs()) {
                String name = process.process();
                Integer clusters = runs.getFirst().clusters().get(name);
                out.append("| ").append(e.getKey())
                        .append(" | ").append(runs.getFirst().servicesInScope())
                        .append(" | ").append(name)
                        .append(" | ").append(clusters == null ? "-" : clusters.toString())
                        .append(" | ").append(spread(runs, r -> rss(r.costs(), name), "%.1f"))
                        .append(" | ").append(atRate.isEmpty() ? "-" : spread(atRate, r -> rss(r.costs(), name), "%.1f"))
                        .append(" |\n");
            }
        }
        out.append('\n');
    }

    private void protocolTable(StringBuilder out) {
        Map<List<String>, List<ProtocolRun>> groups = new TreeMap<>(Comparator.<List<String>, String>comparing(k -> k.get(0))
                .thenComparing(k -> k.get(1), topologyOrder()));
        protocols.forEach(r -> groups.computeIfAbsent(List.of(r.protocol(), r.topology()), k -> new ArrayList<>()).add(r));
        out.append("### HTTP/2 and gRPC throughput (requests/s at saturation; median of repeats [min-max])\n\n");
        out.append("CPU s per 1000 requests of each proxy over the run; latency under saturation where the load tool reports it.\n\n");
        out.append("| protocol | topology | load | requests/s | ratio to direct | p50 ms | p99 ms | proxy CPU s per 1000 requests | errors | repeats |\n");
        out.append("|---|---|---|---:|---:|---:|---:|---|---:|---:|\n");
        for (Map.Entry<List<String>, List<ProtocolRun>> e : groups.entrySet()) {
            List<ProtocolRun> runs = e.getValue();
            double[] rps = runs.stream().mapToDouble(ProtocolRun::requestsPerSecond).toArray();
            List<ProtocolRun> direct = groups.get(List.of(e.getKey().get(0), DIRECT));
            double directMedian = direct == null ? 0 : median(direct.stream().mapToDouble(ProtocolRun::requestsPerSecond).toArray());
            List<String> processes = runs.getFirst().costs().stream().map(Cost::process).toList();
            out.append("| ").append(e.getKey().get(0)).append(" | ").append(e.getKey().get(1))
                    .append(" | ").append(runs.getFirst().load())
                    .append(" | ").append(format(rps, "%.0f"))
                    .append(" | ").append(directMedian == 0 ? "-" : String.format(Locale.ROOT, "%.2f", median(rps) / directMedian))
                    .append(" | ").append(latencyOrDash(runs, ProtocolRun::p50))
                    .append(" | ").append(latencyOrDash(runs, ProtocolRun::p99))
                    .append(" | ").append(processes.isEmpty() ? "-" : String.join(", ", processes.stream()
                            .map(p -> p + " " + spread(runs, r -> cpu(r.costs(), p), "%.4f")).toList()))
                    .append(" | ").append(runs.stream().mapToLong(ProtocolRun::errors).sum())
                    .append(" | ").append(runs.size()).append(" |\n");
        }
        out.append('\n');
    }

    private static String latencyOrDash(List<ProtocolRun> runs, ToDoubleFunction<ProtocolRun> value) {
        return runs.stream().mapToDouble(value).anyMatch(Double::isNaN) ? "-" : spread(runs, value, "%.3f");
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
