package dev.skiff.proxy.xds.translate;

import dev.skiff.api.stats.MetricConfig;
import dev.skiff.api.stats.PluginConfig;
import dev.skiff.proxy.model.ChainAction;
import dev.skiff.proxy.model.TcpProxySpec;
import dev.skiff.proxy.telemetry.ListenerTelemetry;
import dev.skiff.proxy.telemetry.ListenerTelemetry.AccessLogMode;
import dev.skiff.proxy.telemetry.MetricsPolicy;
import dev.skiff.proxy.telemetry.TracingPolicy;
import dev.skiff.proxy.telemetry.TracingProvider;
import io.envoyproxy.envoy.config.accesslog.v3.AccessLog;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.extensions.access_loggers.file.v3.FileAccessLog;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.type.tracing.v3.CustomTag;
import io.envoyproxy.envoy.type.v3.Percent;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The telemetry parts of an HTTP connection manager, as the control plane generates them from Istio's Telemetry:
 * the {@code istio.stats} filter's {@code stats.PluginConfig} (metrics dropped, labels removed or upserted), the
 * HCM's {@code tracing} (random sampling, span reporting through {@code overall_sampling}, custom tags, the
 * {@code provider} through {@link TracingProviderTranslator}, {@code max_path_tag_length}) and its
 * {@code access_log} (Envoy's file access logger to {@code /dev/stdout}, or {@code /dev/null} for off). On a TCP
 * chain the stats filter is a network filter just before the {@code tcp_proxy}.
 */
final class TelemetryTranslator {
    /** The name Istio gives the stats filter. */
    static final String STATS_FILTER = "istio.stats";
    static final String FILE_ACCESS_LOG = "envoy.access_loggers.file";
    static final String STDOUT = "/dev/stdout";
    static final String DEV_NULL = "/dev/null";

    /** The metric names the stats filter knows, without the {@code istio_} prefix. */
    static final Set<String> METRICS = Set.of("requests_total", "request_duration_milliseconds", "request_bytes",
            "response_bytes", "request_messages_total", "response_messages_total", "tcp_connections_opened_total",
            "tcp_connections_closed_total", "tcp_sent_bytes_total", "tcp_received_bytes_total");

    private static final Set<String> PLUGIN_FIELDS = Set.of("metrics");
    private static final Set<String> METRIC_FIELDS = Set.of("dimensions", "name", "tags_to_remove", "drop");
    private static final Set<String> TRACING_FIELDS = Set.of("random_sampling", "overall_sampling",
            "client_sampling", "custom_tags", "provider", "max_path_tag_length");
    private static final Set<String> PERCENT_FIELDS = Set.of("value");
    private static final Set<String> CUSTOM_TAG_FIELDS = Set.of("tag", "literal", "environment", "request_header");
    private static final Set<String> ACCESS_LOG_FIELDS = Set.of("name", "typed_config");
    private static final Set<String> FILE_FIELDS = Set.of("path");

    private TelemetryTranslator() {
    }

    /** Whether {@code filter} is the stats filter, which the HCM may list before the router. */
    static boolean isStatsFilter(HttpFilter filter) {
        return filter.hasTypedConfig() && filter.getTypedConfig().is(PluginConfig.class);
    }

    /**
     * A chain's network filters without a leading network stats filter, and that filter's metric changes (null
     * without one).
     */
    record NetworkFilters(List<Filter> filters, MetricsPolicy metrics) {
        /** The chain's action with the stats filter's settings; only a TCP proxy takes them. */
        ChainAction apply(ChainAction action, String where) throws TranslationException {
            if (metrics == null) {
                return action;
            }
            if (!(action instanceof TcpProxySpec tcp)) {
                throw new TranslationException(where + ": network filter " + STATS_FILTER + " before an HTTP"
                        + " connection manager (expected: the stats filter among its http_filters; as a network"
                        + " filter only before a tcp_proxy)");
            }
            return tcp.withTelemetry(new ListenerTelemetry(metrics, TracingPolicy.DEFAULT, AccessLogMode.DEFAULT));
        }
    }

    static NetworkFilters networkFilters(List<Filter> filters, String where) throws TranslationException {
        if (filters.size() != 2 || !filters.getFirst().hasTypedConfig()
                || !filters.getFirst().getTypedConfig().is(PluginConfig.class)) {
            return new NetworkFilters(filters, null);
        }
        Filter stats = filters.getFirst();
        String at = where + ": filter " + stats.getName();
        Messages.requireOnly(stats, at, Set.of("name", "typed_config"), Set.of());
        return new NetworkFilters(List.of(filters.get(1)),
                metrics(Messages.unpack(stats.getTypedConfig(), PluginConfig.class, at), at));
    }

    static ListenerTelemetry translate(HttpConnectionManager hcm, String where) throws TranslationException {
        MetricsPolicy metrics = MetricsPolicy.DEFAULT;
        boolean seen = false;
        for (HttpFilter filter : hcm.getHttpFiltersList()) {
            if (isStatsFilter(filter)) {
                String at = where + ": http filter " + filter.getName();
                if (seen) {
                    throw new TranslationException(at + ": a second stats filter (expected: at most one "
                            + STATS_FILTER + " per HTTP connection manager)");
                }
                seen = true;
                metrics = metrics(Messages.unpack(filter.getTypedConfig(), PluginConfig.class, at), at);
            }
        }
        TracingPolicy tracing = hcm.hasTracing() ? tracing(hcm.getTracing(), where + ": tracing")
                : TracingPolicy.DEFAULT;
        AccessLogMode accessLog = accessLog(hcm.getAccessLogList(), where + ": access_log");
        return new ListenerTelemetry(metrics, tracing, accessLog);
    }

    static MetricsPolicy metrics(PluginConfig config, String where) throws TranslationException {
        Messages.requireOnly(config, where, PLUGIN_FIELDS, Set.of());
        List<MetricsPolicy.MetricOverride> overrides = new ArrayList<>();
        for (int i = 0; i < config.getMetricsCount(); i++) {
            MetricConfig metric = config.getMetrics(i);
            String at = where + ": metrics[" + i + "]";
            Messages.requireOnly(metric, at, METRIC_FIELDS, Set.of());
            if (!metric.getName().isEmpty() && !METRICS.contains(metric.getName())) {
                throw new TranslationException(at + ": name '" + metric.getName() + "' (expected: empty for every"
                        + " metric, or one of " + new java.util.TreeSet<>(METRICS) + ")");
            }
            Map<String, MetricsPolicy.LabelValue> upsert = new LinkedHashMap<>();
            for (Map.Entry<String, String> dimension : new java.util.TreeMap<>(metric.getDimensionsMap()).entrySet()) {
                String label = dimension.getKey();
                label(label, at + ": dimensions");
                try {
                    upsert.put(label, MetricsPolicy.LabelValue.parse(dimension.getValue()));
                } catch (IllegalArgumentException e) {
                    throw new TranslationException(at + ": dimensions[" + label + "]: " + e.getMessage());
                }
            }
            for (String label : metric.getTagsToRemoveList()) {
                label(label, at + ": tags_to_remove");
            }
            overrides.add(new MetricsPolicy.MetricOverride(metric.getName(), metric.getDrop(),
                    Set.copyOf(metric.getTagsToRemoveList()), upsert));
        }
        return MetricsPolicy.of(overrides);
    }

    private static void label(String label, String where) throws TranslationException {
        if (!label.matches("[a-zA-Z_][a-zA-Z0-9_]*") || label.startsWith("__")) {
            throw new TranslationException(where + ": '" + label + "' is not a Prometheus label name (expected:"
                    + " [a-zA-Z_][a-zA-Z0-9_]*, not starting with __)");
        }
    }

    static TracingPolicy tracing(HttpConnectionManager.Tracing tracing, String where) throws TranslationException {
        Messages.requireOnly(tracing, where, TRACING_FIELDS, Set.of());
        if (tracing.hasClientSampling() && percent(tracing.getClientSampling(), where + ": client_sampling") != 100) {
            throw new TranslationException(where + ": client_sampling " + tracing.getClientSampling().getValue()
                    + " unsupported (expected: 100; x-client-trace-id forcing is not served)");
        }
        boolean report = true;
        if (tracing.hasOverallSampling()) {
            double overall = percent(tracing.getOverallSampling(), where + ": overall_sampling");
            if (overall != 0 && overall != 100) {
                throw new TranslationException(where + ": overall_sampling " + overall + " unsupported (expected:"
                        + " 100, or 0 to report no spans)");
            }
            report = overall == 100;
        }
        double sampling = tracing.hasRandomSampling()
                ? percent(tracing.getRandomSampling(), where + ": random_sampling") : TracingPolicy.SIDECAR_SAMPLING;
        List<TracingPolicy.CustomTag> tags = new ArrayList<>();
        for (int i = 0; i < tracing.getCustomTagsCount(); i++) {
            tags.add(customTag(tracing.getCustomTags(i), where + ": custom_tags[" + i + "]"));
        }
        TracingProvider provider = tracing.hasProvider()
                ? TracingProviderTranslator.translate(tracing.getProvider(), where + ": provider") : null;
        int maxPathTagLength = TracingPolicy.DEFAULT_MAX_PATH_TAG_LENGTH;
        if (tracing.hasMaxPathTagLength()) {
            maxPathTagLength = tracing.getMaxPathTagLength().getValue();
            if (maxPathTagLength < 1) {
                throw new TranslationException(where + ": max_path_tag_length " + maxPathTagLength
                        + " (expected: > 0)");
            }
        }
        return new TracingPolicy(sampling, report, tags, provider, maxPathTagLength);
    }

    private static double percent(Percent percent, String where) throws TranslationException {
        Messages.requireOnly(percent, where, PERCENT_FIELDS, Set.of());
        double value = percent.getValue();
        if (!(value >= 0 && value <= 100)) {
            throw new TranslationException(where + ": " + value + " (expected: a percentage from 0 to 100)");
        }
        return value;
    }

    private static TracingPolicy.CustomTag customTag(CustomTag tag, String where) throws TranslationException {
        Messages.requireOnly(tag, where, CUSTOM_TAG_FIELDS, Set.of());
        if (tag.getTag().isEmpty()) {
            throw new TranslationException(where + ": tag is empty (expected: the tag's name)");
        }
        return switch (tag.getTypeCase()) {
            case LITERAL -> {
                Messages.requireOnly(tag.getLiteral(), where + ": literal", Set.of("value"), Set.of());
                yield TracingPolicy.CustomTag.literal(tag.getTag(), tag.getLiteral().getValue());
            }
            case ENVIRONMENT -> {
                Messages.requireOnly(tag.getEnvironment(), where + ": environment", Set.of("name", "default_value"),
                        Set.of());
                String value = System.getenv(tag.getEnvironment().getName());
                yield TracingPolicy.CustomTag.literal(tag.getTag(),
                        value != null ? value : tag.getEnvironment().getDefaultValue());
            }
            case REQUEST_HEADER -> {
                Messages.requireOnly(tag.getRequestHeader(), where + ": request_header", Set.of("name",
                        "default_value"), Set.of());
                if (tag.getRequestHeader().getName().isEmpty()) {
                    throw new TranslationException(where + ": request_header.name is empty (expected: a header"
                            + " name)");
                }
                yield TracingPolicy.CustomTag.header(tag.getTag(),
                        tag.getRequestHeader().getName().toLowerCase(Locale.ROOT),
                        tag.getRequestHeader().getDefaultValue());
            }
            default -> throw new TranslationException(where + ": " + Messages.lower(tag.getTypeCase())
                    + " unsupported (expected: literal, environment or request_header)");
        };
    }

    static AccessLogMode accessLog(List<AccessLog> logs, String where) throws TranslationException {
        if (logs.isEmpty()) {
            return AccessLogMode.DEFAULT;
        }
        AccessLogMode mode = AccessLogMode.OFF;
        for (int i = 0; i < logs.size(); i++) {
            AccessLog log = logs.get(i);
            String at = where + "[" + i + "]";
            Messages.requireOnly(log, at, ACCESS_LOG_FIELDS, Set.of());
            if (!log.hasTypedConfig() || !log.getTypedConfig().is(FileAccessLog.class)) {
                throw new TranslationException(at + ": " + (log.hasTypedConfig() ? log.getTypedConfig().getTypeUrl()
                        : "no typed_config") + " unsupported (expected: " + FILE_ACCESS_LOG + " with a "
                        + Messages.typeUrl(FileAccessLog.class) + ")");
            }
            FileAccessLog file = Messages.unpack(log.getTypedConfig(), FileAccessLog.class, at);
            Messages.requireOnly(file, at, FILE_FIELDS, Set.of());
            switch (file.getPath()) {
                case STDOUT -> mode = AccessLogMode.STDOUT;
                case DEV_NULL -> {
                }
                default -> throw new TranslationException(at + ": path '" + file.getPath() + "' unsupported"
                        + " (expected: " + STDOUT + ", or " + DEV_NULL + " for no access log; the sidecar writes"
                        + " Envoy's default JSON format)");
            }
        }
        return mode;
    }
}
