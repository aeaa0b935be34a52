package dev.skiff.controlplane.config;

import dev.skiff.api.telemetry.v1alpha1.AccessLogging;
import dev.skiff.api.telemetry.v1alpha1.CustomTag;
import dev.skiff.api.telemetry.v1alpha1.MetricSelector;
import dev.skiff.api.telemetry.v1alpha1.Metrics;
import dev.skiff.api.telemetry.v1alpha1.MetricsOverrides;
import dev.skiff.api.telemetry.v1alpha1.ProviderRef;
import dev.skiff.api.telemetry.v1alpha1.Telemetry;
import dev.skiff.api.telemetry.v1alpha1.Tracing;
import dev.skiff.controlplane.meshconfig.MeshConfig;
import dev.skiff.controlplane.telemetryapi.TelemetryProviders;
import dev.skiff.controlplane.telemetryapi.TagValues;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Checks of a Telemetry: Istio's own rules (a selector's labels, sampling 0..100, custom tags with a value, tag
 * overrides with a value for UPSERT and none for REMOVE) and what Skiff's sidecar does not serve, said as such:
 * target references (no waypoints or gateways), providers other than the built-in ones (for tracing, also the
 * mesh config's extension providers), custom metrics, tag
 * values that are CEL beyond string literals and node metadata, access log filters,
 * reporting intervals and request-id sampling.
 */
final class TelemetryValidator {
    private static final Pattern PROMETHEUS_LABEL = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");

    private TelemetryValidator() {
    }

    static void validate(Telemetry spec, MeshConfig meshConfig, FieldProblems problems) {
        if (spec.hasSelector()) {
            Checks.labels(problems, "spec.selector.matchLabels", spec.getSelector().getMatchLabelsMap());
        }
        if (spec.hasTargetRef()) {
            problems.add("spec.targetRef", "not served (expected: selector; Skiff has no waypoints or gateways to"
                    + " attach a Telemetry to)");
        }
        if (spec.getTargetRefsCount() > 0) {
            problems.add("spec.targetRefs", "not served (expected: selector; Skiff has no waypoints or gateways"
                    + " to attach a Telemetry to)");
        }
        for (int i = 0; i < spec.getTracingCount(); i++) {
            tracing(problems, "spec.tracing[" + i + "]", spec.getTracing(i), meshConfig);
        }
        for (int i = 0; i < spec.getMetricsCount(); i++) {
            metrics(problems, "spec.metrics[" + i + "]", spec.getMetrics(i));
        }
        for (int i = 0; i < spec.getAccessLoggingCount(); i++) {
            accessLogging(problems, "spec.accessLogging[" + i + "]", spec.getAccessLogging(i));
        }
    }

    private static void providers(FieldProblems problems, String path, List<ProviderRef> providers,
                                  String builtIn) {
        for (int i = 0; i < providers.size(); i++) {
            String name = providers.get(i).getName();
            if (!name.equals(builtIn)) {
                problems.add(path + "[" + i + "].name", "\"" + name + "\" is not a provider Skiff serves (expected: "
                        + builtIn + ", the built-in provider; extension providers are not served)");
            }
        }
    }

    private static void tracing(FieldProblems problems, String path, Tracing tracing, MeshConfig meshConfig) {
        for (int i = 0; i < tracing.getProvidersCount(); i++) {
            String name = tracing.getProviders(i).getName();
            if (!name.equals(TelemetryProviders.TRACING) && meshConfig.tracingProvider(name).isEmpty()) {
                problems.add(path + ".providers[" + i + "].name", "\"" + name + "\" is not a tracing provider"
                        + " (expected: " + TelemetryProviders.TRACING + ", the built-in provider"
                        + (meshConfig.extensionProviders().isEmpty() ? "; the mesh config has no extensionProviders"
                        : ", or one of the mesh config's extensionProviders "
                        + meshConfig.extensionProviders().keySet()) + ")");
            }
        }
        if (tracing.hasRandomSamplingPercentage()) {
            Checks.percentage(problems, path + ".randomSamplingPercentage",
                    tracing.getRandomSamplingPercentage().getValue());
        }
        if (tracing.getUseRequestIdForTraceSampling().getValue()) {
            problems.add(path + ".useRequestIdForTraceSampling", "true is not served (expected: false or unset;"
                    + " the sidecar samples at random)");
        }
        if (tracing.hasEnableIstioTags() && !tracing.getEnableIstioTags().getValue()) {
            problems.add(path + ".enableIstioTags", "false is not served (expected: true or unset; the sidecar"
                    + " always adds Istio's tags)");
        }
        for (Map.Entry<String, CustomTag> tag : new java.util.TreeMap<>(tracing.getCustomTagsMap()).entrySet()) {
            String at = path + ".customTags[" + tag.getKey() + "]";
            if (tag.getKey().isEmpty()) {
                problems.add(at, "empty tag name (expected: a name)");
            }
            CustomTag value = tag.getValue();
            switch (value.getTypeCase()) {
                case LITERAL -> {
                }
                case ENVIRONMENT -> {
                    if (value.getEnvironment().getName().isEmpty()) {
                        problems.add(at + ".environment.name", "required (expected: an environment variable)");
                    }
                }
                case HEADER -> {
                    if (!Checks.isHeaderName(value.getHeader().getName())) {
                        problems.add(at + ".header.name", "\"" + value.getHeader().getName() + "\" is not a"
                                + " header name (expected: an HTTP token)");
                    }
                }
                case TYPE_NOT_SET -> problems.add(at, "no value (expected: one of literal, environment, header)");
            }
        }
    }

    private static void metrics(FieldProblems problems, String path, Metrics metrics) {
        providers(problems, path + ".providers", metrics.getProvidersList(), TelemetryProviders.METRICS);
        if (metrics.hasReportingInterval()) {
            problems.add(path + ".reportingInterval", "not served (expected: unset; the sidecar reports TCP"
                    + " metrics when a connection closes)");
        }
        for (int i = 0; i < metrics.getOverridesCount(); i++) {
            String at = path + ".overrides[" + i + "]";
            MetricsOverrides override = metrics.getOverrides(i);
            MetricSelector match = override.getMatch();
            if (match.getMetricMatchCase() == MetricSelector.MetricMatchCase.CUSTOM_METRIC) {
                problems.add(at + ".match.customMetric", "\"" + match.getCustomMetric() + "\" is not served"
                        + " (expected: metric, one of Istio's standard metrics; Skiff defines no custom metrics)");
            } else if (match.getMetric() == MetricSelector.IstioMetric.UNRECOGNIZED) {
                problems.add(at + ".match.metric", "unknown metric (expected: one of Istio's standard metrics)");
            }
            for (Map.Entry<String, MetricsOverrides.TagOverride> tag
                    : new java.util.TreeMap<>(override.getTagOverridesMap()).entrySet()) {
                tagOverride(problems, at + ".tagOverrides[" + tag.getKey() + "]", tag.getKey(), tag.getValue());
            }
        }
    }

    private static void tagOverride(FieldProblems problems, String path, String name,
                                    MetricsOverrides.TagOverride override) {
        if (!PROMETHEUS_LABEL.matcher(name).matches() || name.startsWith("__")) {
            problems.add(path, "\"" + name + "\" is not a label name (expected: [a-zA-Z_][a-zA-Z0-9_]*, not"
                    + " starting with __)");
        }
        switch (override.getOperation()) {
            case UPSERT -> {
                if (override.getValue().isEmpty()) {
                    problems.add(path + ".value", "required for UPSERT (expected: a quoted string literal or a"
                            + " node metadata attribute)");
                } else {
                    TagValues.problem(override.getValue())
                            .ifPresent(problem -> problems.add(path + ".value", problem));
                }
            }
            case REMOVE -> {
                if (!override.getValue().isEmpty()) {
                    problems.add(path + ".value", "set for REMOVE (expected: no value)");
                }
            }
            default -> problems.add(path + ".operation", "unknown (expected: UPSERT or REMOVE)");
        }
    }

    private static void accessLogging(FieldProblems problems, String path, AccessLogging logging) {
        providers(problems, path + ".providers", logging.getProvidersList(), TelemetryProviders.ACCESS_LOG);
        if (logging.hasFilter()) {
            problems.add(path + ".filter.expression", "CEL filter expressions are not served (expected: no"
                    + " filter; the sidecar logs every request of the selected traffic)");
        }
    }
}
