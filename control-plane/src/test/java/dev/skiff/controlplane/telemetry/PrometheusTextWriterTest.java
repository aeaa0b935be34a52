package dev.skiff.controlplane.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.Quantile;
import io.prometheus.metrics.model.snapshots.Quantiles;
import io.prometheus.metrics.model.snapshots.SummarySnapshot;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PrometheusTextWriterTest {

    private static String write(MetricSnapshots snapshots, Set<String> bareCounters) {
        StringBuilder out = new StringBuilder();
        PrometheusTextWriter.write(out, snapshots, bareCounters::contains);
        return out.toString();
    }

    @Test
    void istioCountersKeepTheirNameOthersGetTotal() {
        MetricSnapshots snapshots = new MetricSnapshots(
                CounterSnapshot.builder().name("citadel_server_csr_count")
                        .help("The number of CSRs received by Citadel server.")
                        .dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().value(112).build())
                        .build(),
                CounterSnapshot.builder().name("jvm_threads_started_threads")
                        .dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().value(8).build())
                        .build());
        assertThat(write(snapshots, Set.of("citadel_server_csr_count"))).isEqualTo("""
                # HELP citadel_server_csr_count The number of CSRs received by Citadel server.
                # TYPE citadel_server_csr_count counter
                citadel_server_csr_count 112
                # TYPE jvm_threads_started_threads_total counter
                jvm_threads_started_threads_total 8
                """);
    }

    @Test
    void histogramBucketsAreCumulativeWithLeLast() {
        MetricSnapshots snapshots = new MetricSnapshots(HistogramSnapshot.builder()
                .name("pilot_xds_push_time")
                .dataPoint(HistogramSnapshot.HistogramDataPointSnapshot.builder()
                        .labels(Labels.of("type", "cds"))
                        .classicHistogramBuckets(ClassicHistogramBuckets.of(
                                new double[] {0.01, 0.1, Double.POSITIVE_INFINITY}, new long[] {2, 1, 1}))
                        .sum(4.25)
                        .build())
                .build());
        assertThat(write(snapshots, Set.of())).isEqualTo("""
                # TYPE pilot_xds_push_time histogram
                pilot_xds_push_time_bucket{type="cds",le="0.01"} 2
                pilot_xds_push_time_bucket{type="cds",le="0.1"} 3
                pilot_xds_push_time_bucket{type="cds",le="+Inf"} 4
                pilot_xds_push_time_sum{type="cds"} 4.25
                pilot_xds_push_time_count{type="cds"} 4
                """);
    }

    @Test
    void summariesAndGaugesWithEscapedLabelsAndHelp() {
        MetricSnapshots snapshots = new MetricSnapshots(
                GaugeSnapshot.builder().name("pilot_xds").help("line one\nback\\slash")
                        .dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder()
                                .labels(Labels.of("version", "say \"hi\"\n")).value(-0.5).build())
                        .build(),
                SummarySnapshot.builder().name("jvm_gc_pause_seconds")
                        .dataPoint(SummarySnapshot.SummaryDataPointSnapshot.builder()
                                .quantiles(Quantiles.of(new Quantile(0.5, 0.002)))
                                .count(3).sum(0.01).build())
                        .build());
        assertThat(write(snapshots, Set.of())).isEqualTo("""
                # TYPE jvm_gc_pause_seconds summary
                jvm_gc_pause_seconds{quantile="0.5"} 0.002
                jvm_gc_pause_seconds_sum 0.01
                jvm_gc_pause_seconds_count 3
                # HELP pilot_xds line one\\nback\\\\slash
                # TYPE pilot_xds gauge
                pilot_xds{version="say \\"hi\\"\\n"} -0.5
                """);
    }

    @Test
    void numbersPrintLikeGo() {
        assertThat(PrometheusTextWriter.number(3)).isEqualTo("3");
        assertThat(PrometheusTextWriter.number(0)).isEqualTo("0");
        assertThat(PrometheusTextWriter.number(40_000_000)).isEqualTo("40000000");
        assertThat(PrometheusTextWriter.number(0.1)).isEqualTo("0.1");
        assertThat(PrometheusTextWriter.number(Double.POSITIVE_INFINITY)).isEqualTo("+Inf");
        assertThat(PrometheusTextWriter.number(Double.NEGATIVE_INFINITY)).isEqualTo("-Inf");
        assertThat(PrometheusTextWriter.number(Double.NaN)).isEqualTo("NaN");
    }

    private static double sampleValue(String text, String name) {
        String line = text.lines().filter(l -> l.startsWith(name + " ")).findFirst().orElseThrow(
                () -> new AssertionError("no sample " + name + " in:\n" + text));
        return Double.parseDouble(line.substring(name.length() + 1));
    }

    @Test
    void jvmAndProcessMetricsComeFromMicrometersBindersAndPrometheusStandardNames() {
        try (ControlPlaneMetrics metrics = new ControlPlaneMetrics().bindJvmMetrics()) {
            String text = metrics.scrape();
            assertThat(text.lines()).contains(
                    "# TYPE jvm_memory_used_bytes gauge",
                    "# TYPE jvm_threads_live_threads gauge",
                    "# TYPE jvm_classes_unloaded_classes_total counter",
                    "# TYPE process_cpu_usage gauge",
                    "# TYPE process_uptime_seconds gauge",
                    "# TYPE process_cpu_seconds_total counter",
                    "# TYPE process_open_fds gauge",
                    "# TYPE process_max_fds gauge",
                    "# TYPE process_resident_memory_bytes gauge",
                    "# TYPE process_virtual_memory_bytes gauge");
            assertThat(text.lines()).anyMatch(line -> line.startsWith("jvm_memory_used_bytes{area=\"heap\","));
            assertThat(sampleValue(text, "process_resident_memory_bytes")).isPositive();
            assertThat(sampleValue(text, "process_open_fds")).isPositive();
        }
    }
}
