package dev.skiff.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ReportTest {

    private static Report.LatencyRun run(String topology, int repeat, double p50, double p99) {
        return new Report.LatencyRun(topology, repeat, 1000,
                Map.of("p50", p50, "p90", p50, "p99", p99, "p999", p99, "max", p99), 1000, 0,
                List.of(new Report.Cost("client", 0.05, 10), new Report.Cost("server", 0.04, 12)));
    }

    @Test
    void medianOfOddAndEvenCounts() {
        assertThat(Report.median(new double[]{3, 1, 2})).isEqualTo(2);
        assertThat(Report.median(new double[]{4, 1, 3, 2})).isEqualTo(2.5);
        assertThat(Report.format(new double[]{0.2, 0.1, 0.3}, "%.1f")).isEqualTo("0.2 [0.1 to 0.3]");
        assertThat(Report.format(new double[]{0.2}, "%.1f")).isEqualTo("0.2");
    }

    @Test
    void addedLatencyIsPairedByRepeat() {
        List<Report.LatencyRun> direct = List.of(run("direct", 1, 0.10, 0.30), run("direct", 2, 0.20, 0.50));
        List<Report.LatencyRun> nginx = List.of(run("nginx", 1, 0.30, 0.60), run("nginx", 2, 0.35, 0.90), run("nginx", 3, 9, 9));
        assertThat(Report.pairedDifferences(nginx, direct, "p50")).containsExactly(new double[]{0.2, 0.15}, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(Report.pairedDifferences(nginx, direct, "p99")).containsExactly(new double[]{0.3, 0.4}, org.assertj.core.data.Offset.offset(1e-9));
    }

    @Test
    void rendersLatencyAddedLatencyCostAndThroughputTables() {
        Report report = new Report(
                List.of(run("direct", 1, 0.10, 0.30), run("nginx", 1, 0.30, 0.70), run("haproxy", 1, 0.25, 0.50)),
                List.of(new Report.ThroughputRun("direct", 1, 16, 20000, 0), new Report.ThroughputRun("nginx", 1, 16, 10000, 0)));
        String text = report.render();
        assertThat(text).contains("| direct | 1000 | 0.100 | 0.100 | 0.300 | 0.300 | 0.300 | 1000.0 | 0 | 1 |");
        assertThat(text).contains("| nginx | 1000 | +0.200 | +0.200 | +0.400 | +0.400 |");
        assertThat(text.indexOf("| nginx | 1000 | +")).isLessThan(text.indexOf("| haproxy | 1000 | +"));
        assertThat(text).contains("| nginx | 1000 | client+server | 0.0900 | 22.0 |");
        assertThat(text).contains("| nginx | 16 | 10000 | 0.50 | 0 | 1 |");
    }

    @Test
    void readsResultFilesAndRefusesUnknownKinds(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("wrk-direct-1.json"), """
                {"kind":"throughput","topology":"direct","repeat":1,"connections":16,"requestsPerSecond":12345.6,
                 "errors":{"connect":0,"read":1,"write":0,"status":2,"timeout":0}}
                """);
        assertThat(Report.read(dir).render()).contains("| direct | 16 | 12346 | 1.00 | 3 | 1 |");

        Files.writeString(dir.resolve("other.json"), "{\"kind\":\"mystery\"}");
        assertThatThrownBy(() -> Report.read(dir)).hasMessageEndingWith(
                "other.json: unknown result kind 'mystery' (expected \"latency\", \"throughput\", \"idle\", \"h2\" or \"grpc\")");
    }

    @Test
    void memoryTablePutsIdleRssNextToTheRssAtTheMemoryRate() {
        Report report = new Report(
                List.of(run("skiff", 1, 0.3, 0.6), run("skiff-scope", 1, 0.3, 0.6)),
                List.of(),
                List.of(new Report.IdleRun("skiff", 1, Map.of("client", 3, "server", 2),
                                List.of(new Report.Cost("client", 0, 120), new Report.Cost("server", 0, 118))),
                        new Report.IdleRun("skiff-scope", 1001, Map.of("client", 1003),
                                List.of(new Report.Cost("client", 0, 160), new Report.Cost("server", 0, 150)))),
                List.of());
        String text = report.render();
        assertThat(text).contains("### Proxy memory: idle and at 1000 requests/s");
        assertThat(text).contains("| skiff | 1 | client | 3 | 120.0 | 10.0 |");
        assertThat(text).contains("| skiff-scope | 1001 | client | 1003 | 160.0 | 10.0 |");
        assertThat(text).contains("| skiff-scope | 1001 | server | - | 150.0 | 12.0 |");
        assertThat(text.indexOf("| skiff | 1 | client")).isLessThan(text.indexOf("| skiff-scope | 1001 | client"));
    }

    @Test
    void protocolTableComparesEachProtocolWithItsOwnDirectRun() {
        List<Report.Cost> pair = List.of(new Report.Cost("client", 0.08, 150), new Report.Cost("server", 0.07, 140));
        Report report = new Report(List.of(), List.of(), List.of(), List.of(
                new Report.ProtocolRun("gRPC", "direct", 1, "2 channels x 8 calls", 20000, 0.5, 2.0, 0, List.of()),
                new Report.ProtocolRun("gRPC", "skiff", 1, "2 channels x 8 calls", 5000, 2.5, 9.0, 1, pair),
                new Report.ProtocolRun("HTTP/2", "direct", 1, "4 connections x 16 streams", 40000, Double.NaN,
                        Double.NaN, 0, List.of()),
                new Report.ProtocolRun("HTTP/2", "haproxy", 1, "4 connections x 16 streams", 10000, Double.NaN,
                        Double.NaN, 0, pair)));
        String text = report.render();
        assertThat(text).contains("| gRPC | direct | 2 channels x 8 calls | 20000 | 1.00 | 0.500 | 2.000 | - | 0 | 1 |");
        assertThat(text).contains("| gRPC | skiff | 2 channels x 8 calls | 5000 | 0.25 | 2.500 | 9.000 | client 0.0800, server 0.0700 | 1 | 1 |");
        assertThat(text).contains("| HTTP/2 | haproxy | 4 connections x 16 streams | 10000 | 0.25 | - | - | client 0.0800, server 0.0700 | 0 | 1 |");
    }

    @Test
    void readsIdleAndProtocolResults(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("idle-skiff.json"), """
                {"kind":"idle","topology":"skiff","servicesInScope":1,"clusters":{"client":3},"durationSeconds":2.0,
                 "processes":[{"name":"client","pid":1,"cpuSeconds":0.0,"cpuSecondsPer1000Requests":0.0,
                               "maxRssBytes":125000000,"processes":1}]}
                """);
        Files.writeString(dir.resolve("h2-direct-r1.json"), """
                {"kind":"h2","topology":"direct","repeat":1,"load":"4 connections x 16 streams",
                 "requestsPerSecond":30000.4,"errors":{"failed":2,"errored":1},"processes":[]}
                """);
        String text = Report.read(dir).render();
        assertThat(text).contains("| skiff | 1 | client | 3 | 125.0 | - |");
        assertThat(text).contains("| HTTP/2 | direct | 4 connections x 16 streams | 30000 | 1.00 | - | - | - | 3 | 1 |");
    }
}
