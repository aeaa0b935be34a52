package dev.skiff.controlplane.telemetry;

import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.InfoSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.Quantile;
import io.prometheus.metrics.model.snapshots.StateSetSnapshot;
import io.prometheus.metrics.model.snapshots.SummarySnapshot;
import io.prometheus.metrics.model.snapshots.UnknownSnapshot;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Predicate;

/**
 * Writes metric snapshots in the Prometheus text exposition format 0.0.4, the way istiod's exporter does: counters
 * named in {@code bareCounters} keep their name as is (other counters get the conventional {@code _total}),
 * histograms have cumulative {@code _bucket} series with {@code le} labels, and whole numbers print without a
 * fraction ({@code 3}, not {@code 3.0}).
 */
final class PrometheusTextWriter {
    private PrometheusTextWriter() {
    }

    static void write(StringBuilder out, MetricSnapshots snapshots, Predicate<String> bareCounters) {
        List<MetricSnapshot> sorted = new ArrayList<>(snapshots.size());
        for (MetricSnapshot snapshot : snapshots) {
            sorted.add(snapshot);
        }
        sorted.sort(Comparator.comparing(snapshot -> snapshot.getMetadata().getPrometheusName()));
        for (MetricSnapshot snapshot : sorted) {
            if (!snapshot.getDataPoints().isEmpty()) {
                writeFamily(out, snapshot, bareCounters);
            }
        }
    }

    private static void writeFamily(StringBuilder out, MetricSnapshot snapshot, Predicate<String> bareCounters) {
        String name = snapshot.getMetadata().getPrometheusName();
        switch (snapshot) {
            case CounterSnapshot counter -> {
                String sample = bareCounters.test(name) ? name : name + "_total";
                header(out, sample, snapshot, "counter");
                for (CounterSnapshot.CounterDataPointSnapshot point : counter.getDataPoints()) {
                    sample(out, sample, point.getLabels(), null, null, point.getValue());
                }
            }
            case GaugeSnapshot gauge -> {
                header(out, name, snapshot, "gauge");
                for (GaugeSnapshot.GaugeDataPointSnapshot point : gauge.getDataPoints()) {
                    sample(out, name, point.getLabels(), null, null, point.getValue());
                }
            }
            case HistogramSnapshot histogram -> {
                header(out, name, snapshot, "histogram");
                for (HistogramSnapshot.HistogramDataPointSnapshot point : histogram.getDataPoints()) {
                    writeHistogramPoint(out, name, point);
                }
            }
            case SummarySnapshot summary -> {
                header(out, name, snapshot, "summary");
                for (SummarySnapshot.SummaryDataPointSnapshot point : summary.getDataPoints()) {
                    for (Quantile quantile : point.getQuantiles()) {
                        sample(out, name, point.getLabels(), "quantile", number(quantile.getQuantile()),
                                quantile.getValue());
                    }
                    writeCountAndSum(out, name, point.getLabels(), point.hasCount(), point.getCount(),
                            point.hasSum(), point.getSum());
                }
            }
            case InfoSnapshot info -> {
                String sample = name + "_info";
                header(out, sample, snapshot, "gauge");
                for (InfoSnapshot.InfoDataPointSnapshot point : info.getDataPoints()) {
                    sample(out, sample, point.getLabels(), null, null, 1);
                }
            }
            case StateSetSnapshot stateSet -> {
                header(out, name, snapshot, "gauge");
                for (StateSetSnapshot.StateSetDataPointSnapshot point : stateSet.getDataPoints()) {
                    for (int i = 0; i < point.size(); i++) {
                        sample(out, name, point.getLabels(), name, point.getName(i), point.isTrue(i) ? 1 : 0);
                    }
                }
            }
            case UnknownSnapshot unknown -> {
                header(out, name, snapshot, "untyped");
                for (UnknownSnapshot.UnknownDataPointSnapshot point : unknown.getDataPoints()) {
                    sample(out, name, point.getLabels(), null, null, point.getValue());
                }
            }
            default -> throw new IllegalArgumentException("cannot write metric " + name + " of snapshot type "
                    + snapshot.getClass().getName() + " (expected counter, gauge, histogram, summary, info, "
                    + "state set or unknown)");
        }
    }

    private static void writeHistogramPoint(StringBuilder out, String name,
                                            HistogramSnapshot.HistogramDataPointSnapshot point) {
        ClassicHistogramBuckets buckets = point.getClassicBuckets();
        long cumulative = 0;
        for (int i = 0; i < buckets.size(); i++) {
            cumulative += buckets.getCount(i);
            sample(out, name + "_bucket", point.getLabels(), "le", number(buckets.getUpperBound(i)), cumulative);
        }
        writeCountAndSum(out, name, point.getLabels(), point.hasCount(), point.getCount(), point.hasSum(),
                point.getSum());
    }

    private static void writeCountAndSum(StringBuilder out, String name, Labels labels, boolean hasCount, long count,
                                         boolean hasSum, double sum) {
        if (hasSum) {
            sample(out, name + "_sum", labels, null, null, sum);
        }
        if (hasCount) {
            sample(out, name + "_count", labels, null, null, count);
        }
    }

    private static void header(StringBuilder out, String name, MetricSnapshot snapshot, String type) {
        String help = snapshot.getMetadata().getHelp();
        if (help != null && !help.isEmpty()) {
            out.append("# HELP ").append(name).append(' ');
            escape(out, help, false);
            out.append('\n');
        }
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    /** One sample line; {@code extraName}/{@code extraValue} add one more label (le, quantile) when not null. */
    private static void sample(StringBuilder out, String name, Labels labels, String extraName, String extraValue,
                               double value) {
        out.append(name);
        if (!labels.isEmpty() || extraName != null) {
            out.append('{');
            for (int i = 0; i < labels.size(); i++) {
                if (i > 0) {
                    out.append(',');
                }
                out.append(labels.getPrometheusName(i)).append("=\"");
                escape(out, labels.getValue(i), true);
                out.append('"');
            }
            if (extraName != null) {
                if (!labels.isEmpty()) {
                    out.append(',');
                }
                out.append(extraName).append("=\"");
                escape(out, extraValue, true);
                out.append('"');
            }
            out.append('}');
        }
        out.append(' ').append(number(value)).append('\n');
    }

    /** {@code 3}, {@code 0.25}, {@code +Inf}, {@code NaN}: Go's shortest representation where Java's agrees. */
    static String number(double value) {
        if (Double.isNaN(value)) {
            return "NaN";
        }
        if (Double.isInfinite(value)) {
            return value > 0 ? "+Inf" : "-Inf";
        }
        if (value == Math.rint(value) && Math.abs(value) < 1e15) {
            return Long.toString((long) value);
        }
        return Double.toString(value);
    }

    private static void escape(StringBuilder out, String text, boolean quotes) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '"' -> out.append(quotes ? "\\\"" : "\"");
                default -> out.append(c);
            }
        }
    }
}
