package dev.skiff.proxy.telemetry;

import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The changes Istio's stats filter makes to one reporter's standard metrics: metrics dropped, labels removed,
 * labels added or replaced. Applied when a series is first resolved, never per request. Equal policies are one
 * instance ({@link #of}), so the metrics compare them by identity.
 */
public final class MetricsPolicy {

    /** No changes: Istio's standard metrics and labels. */
    public static final MetricsPolicy DEFAULT = new MetricsPolicy(List.of());

    /** Distinct policies kept for sharing; past it the table starts over (policies stay correct, only unshared). */
    private static final int MAX_INTERNED = 256;
    private static final ConcurrentHashMap<List<MetricOverride>, MetricsPolicy> INTERNED = new ConcurrentHashMap<>();

    private final List<MetricOverride> overrides;

    private MetricsPolicy(List<MetricOverride> overrides) {
        this.overrides = overrides;
    }

    /** The policy of these overrides, applied in order; the same instance for equal overrides. */
    public static MetricsPolicy of(List<MetricOverride> overrides) {
        List<MetricOverride> copy = List.copyOf(overrides);
        if (copy.isEmpty()) {
            return DEFAULT;
        }
        MetricsPolicy known = INTERNED.get(copy);
        if (known != null) {
            return known;
        }
        if (INTERNED.size() >= MAX_INTERNED) {
            INTERNED.clear();
        }
        return INTERNED.computeIfAbsent(copy, MetricsPolicy::new);
    }

    public List<MetricOverride> overrides() {
        return overrides;
    }

    /**
     * The labels of {@code metric} under this policy, or null when the metric is dropped.
     *
     * @param metric the metric's full name, e.g. {@code istio_requests_total}
     * @param tags   Istio's standard labels of the series
     * @param local  this sidecar's workload, for label values taken from its metadata
     */
    public Tags apply(String metric, Tags tags, WorkloadMetadata local) {
        if (overrides.isEmpty()) {
            return tags;
        }
        Map<String, String> labels = null;
        for (MetricOverride override : overrides) {
            if (!override.appliesTo(metric)) {
                continue;
            }
            if (override.drop()) {
                return null;
            }
            if (labels == null) {
                labels = new TreeMap<>();
                for (Tag tag : tags) {
                    labels.put(tag.getKey(), tag.getValue());
                }
            }
            for (Map.Entry<String, LabelValue> upsert : override.upsert().entrySet()) {
                labels.put(upsert.getKey(), upsert.getValue().resolve(local));
            }
            labels.keySet().removeAll(override.remove());
        }
        if (labels == null) {
            return tags;
        }
        List<Tag> changed = new ArrayList<>(labels.size());
        labels.forEach((key, value) -> changed.add(Tag.of(key, value)));
        return Tags.of(changed);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof MetricsPolicy policy && policy.overrides.equals(overrides);
    }

    @Override
    public int hashCode() {
        return overrides.hashCode();
    }

    @Override
    public String toString() {
        return "MetricsPolicy" + overrides;
    }

    /**
     * One entry of the stats filter's {@code metrics}.
     *
     * @param metric the metric's name without the {@code istio_} prefix ({@code requests_total}); empty: every metric
     * @param drop   whether the metric is not reported
     * @param remove labels left out
     * @param upsert labels added or replaced, by name
     */
    public record MetricOverride(String metric, boolean drop, Set<String> remove, Map<String, LabelValue> upsert) {
        public MetricOverride {
            Objects.requireNonNull(metric, "metric");
            remove = Set.copyOf(remove);
            upsert = Map.copyOf(upsert);
        }

        boolean appliesTo(String fullName) {
            return metric.isEmpty() || (fullName.startsWith("istio_") && fullName.endsWith(metric)
                    && fullName.length() == "istio_".length() + metric.length());
        }
    }

    /** The value of an added label, resolved once per series. */
    public sealed interface LabelValue {
        String resolve(WorkloadMetadata local);

        /**
         * Reads a stats filter dimension: a quoted string literal ({@code 'v'} or {@code "v"}, no escapes),
         * {@code node.metadata['NAMESPACE']} (also {@code NAME}, {@code WORKLOAD_NAME}, {@code CLUSTER_ID}) or
         * {@code node.metadata['LABELS']['app']}; anything else is an expression the sidecar does not evaluate.
         */
        static LabelValue parse(String expression) {
            String text = expression.strip();
            if (text.length() >= 2 && (text.charAt(0) == '\'' || text.charAt(0) == '"')
                    && text.charAt(text.length() - 1) == text.charAt(0)) {
                String value = text.substring(1, text.length() - 1);
                if (value.indexOf('\\') < 0 && value.indexOf(text.charAt(0)) < 0) {
                    return new Literal(value);
                }
            }
            String labels = "node.metadata['LABELS']['";
            if (text.startsWith(labels) && text.endsWith("']") && text.length() > labels.length() + 2) {
                String label = text.substring(labels.length(), text.length() - 2);
                if (label.indexOf('\'') < 0) {
                    return new NodeLabel(label);
                }
            }
            String metadata = "node.metadata['";
            if (text.startsWith(metadata) && text.endsWith("']")) {
                String key = text.substring(metadata.length(), text.length() - 2);
                if (NodeMetadata.KEYS.contains(key)) {
                    return new NodeMetadata(key);
                }
            }
            throw new IllegalArgumentException("'" + expression + "' is not an expression the sidecar evaluates"
                    + " (expected: a quoted string literal, node.metadata['NAME'|'NAMESPACE'|'WORKLOAD_NAME'|"
                    + "'CLUSTER_ID'] or node.metadata['LABELS']['<label>'])");
        }

        /** A fixed value. */
        record Literal(String value) implements LabelValue {
            public Literal {
                Objects.requireNonNull(value, "value");
            }

            @Override
            public String resolve(WorkloadMetadata local) {
                return value;
            }
        }

        /** A field of this sidecar's node metadata: {@code NAMESPACE}, {@code WORKLOAD_NAME} or {@code CLUSTER_ID}. */
        record NodeMetadata(String key) implements LabelValue {
            public static final Set<String> KEYS = Set.of("NAME", "NAMESPACE", "WORKLOAD_NAME", "CLUSTER_ID");

            public NodeMetadata {
                if (!KEYS.contains(key)) {
                    throw new IllegalArgumentException("node metadata '" + key + "' (expected: one of "
                            + new java.util.TreeSet<>(KEYS) + ")");
                }
            }

            @Override
            public String resolve(WorkloadMetadata local) {
                return switch (key) {
                    case "NAME" -> local.name();
                    case "NAMESPACE" -> local.namespace();
                    case "WORKLOAD_NAME" -> local.workloadName();
                    default -> local.clusterId();
                };
            }
        }

        /** A label of this sidecar's workload ({@code node.metadata['LABELS']['app']}); {@code unknown} when absent. */
        record NodeLabel(String label) implements LabelValue {
            public NodeLabel {
                Objects.requireNonNull(label, "label");
            }

            @Override
            public String resolve(WorkloadMetadata local) {
                return local.labels().getOrDefault(label, WorkloadMetadata.UNKNOWN);
            }
        }
    }
}
