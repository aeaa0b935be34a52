package dev.skiff.proxy.telemetry;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Writes Istio's metrics in the Prometheus text format 0.0.4 as Envoy does: exact names, a {@code # TYPE} line per
 * metric, whole numbers without a fraction, and bucket bounds printed as Envoy prints them ({@code le="1"},
 * {@code le="1.8e+06"}), so that queries and dashboards that name a bucket match Skiff's series too.
 */
final class IstioTextWriter {

    private IstioTextWriter() {
    }

    /** Writes every counter and distribution summary of {@code meters}, grouped by name. */
    static String write(List<Meter> meters) {
        List<Meter> sorted = new ArrayList<>(meters);
        sorted.removeIf(m -> !(m instanceof Counter) && !(m instanceof DistributionSummary));
        sorted.sort(Comparator.comparing((Meter m) -> m.getId().getName())
                .thenComparing(m -> m.getId().getTags().toString()));
        StringBuilder out = new StringBuilder(256 * (sorted.size() + 1));
        String current = null;
        for (Meter meter : sorted) {
            String name = meter.getId().getName();
            if (!name.equals(current)) {
                current = name;
                out.append("# TYPE ").append(name).append(meter instanceof Counter ? " counter\n" : " histogram\n");
            }
            String labels = labels(meter.getId().getTags());
            if (meter instanceof Counter counter) {
                sample(out, name, labels, null, counter.count());
            } else {
                histogram(out, name, labels, ((DistributionSummary) meter).takeSnapshot());
            }
        }
        return out.toString();
    }

    private static void histogram(StringBuilder out, String name, String labels, HistogramSnapshot snapshot) {
        String bucket = name + "_bucket";
        for (CountAtBucket count : snapshot.histogramCounts()) {
            sample(out, bucket, labels, bound(count.bucket()), count.count());
        }
        sample(out, bucket, labels, "+Inf", snapshot.count());
        sample(out, name + "_sum", labels, null, snapshot.total());
        sample(out, name + "_count", labels, null, snapshot.count());
    }

    private static void sample(StringBuilder out, String name, String labels, String le, double value) {
        out.append(name).append('{').append(labels);
        if (le != null) {
            out.append(",le=\"").append(le).append('"');
        }
        out.append("} ").append(number(value)).append('\n');
    }

    private static String labels(List<Tag> tags) {
        StringBuilder out = new StringBuilder();
        for (Tag tag : tags) {
            if (!out.isEmpty()) {
                out.append(',');
            }
            out.append(tag.getKey()).append("=\"");
            String value = tag.getValue();
            for (int i = 0; i < value.length(); i++) {
                char c = value.charAt(i);
                switch (c) {
                    case '\\' -> out.append("\\\\");
                    case '"' -> out.append("\\\"");
                    case '\n' -> out.append("\\n");
                    default -> out.append(c);
                }
            }
            out.append('"');
        }
        return out.toString();
    }

    /** A sample value: whole numbers without a fraction, others as Java prints them (Prometheus reads both). */
    static String number(double value) {
        if (value == Math.rint(value) && Math.abs(value) < 1e15) {
            return Long.toString((long) value);
        }
        return Double.toString(value);
    }

    /**
     * A bucket bound as Envoy prints it: like C's {@code %g}, six significant digits, the exponent form from a
     * million on ({@code 0.5}, {@code 300000}, {@code 1.8e+06}).
     */
    static String bound(double value) {
        if (value == Math.rint(value) && Math.abs(value) < 1e6) {
            return Long.toString((long) value);
        }
        if (Math.abs(value) >= 1e6) {
            int exponent = (int) Math.floor(Math.log10(Math.abs(value)));
            double mantissa = value / Math.pow(10, exponent);
            String digits = new java.math.BigDecimal(mantissa).round(new java.math.MathContext(6))
                    .stripTrailingZeros().toPlainString();
            return digits + "e+" + (exponent < 10 ? "0" : "") + exponent;
        }
        return new java.math.BigDecimal(Double.toString(value)).round(new java.math.MathContext(6))
                .stripTrailingZeros().toPlainString();
    }
}
