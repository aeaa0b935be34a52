package dev.skiff.controlplane.telemetryapi;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.skiff.api.stats.MetricConfig;
import dev.skiff.api.stats.PluginConfig;
import dev.skiff.api.telemetry.v1alpha1.AccessLogging;
import dev.skiff.api.telemetry.v1alpha1.MetricSelector;
import dev.skiff.api.telemetry.v1alpha1.Metrics;
import dev.skiff.api.telemetry.v1alpha1.MetricsOverrides;
import dev.skiff.api.telemetry.v1alpha1.ProviderRef;
import dev.skiff.api.telemetry.v1alpha1.Telemetry;
import dev.skiff.api.telemetry.v1alpha1.Tracing;
import dev.skiff.api.telemetry.v1alpha1.WorkloadMode;
import dev.skiff.controlplane.config.ConfigObject;
import io.envoyproxy.envoy.config.accesslog.v3.AccessLog;
import io.envoyproxy.envoy.config.core.v3.TrafficDirection;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.access_loggers.file.v3.FileAccessLog;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.envoyproxy.envoy.type.tracing.v3.CustomTag;
import io.envoyproxy.envoy.type.v3.Percent;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Istio's Telemetry as Envoy configuration on a sidecar's HTTP connection managers, for the workload's merged
 * settings ({@link TelemetrySelection}: mesh-wide, then namespace, then workload; the more specific level wins
 * per field): the outbound listener gets the {@code CLIENT} settings, inbound listeners the {@code SERVER} ones.
 *
 * <ul>
 *   <li>metrics: the {@code istio.stats} filter before the router (and as a network filter before each
 *       {@code tcp_proxy}) with a {@code stats.PluginConfig}, one
 *       {@code metrics} entry per override (drop, {@code tags_to_remove} for REMOVE, {@code dimensions} for UPSERT),
 *       Istio's metric names without the {@code istio_} prefix, empty for ALL_METRICS;</li>
 *   <li>tracing: the HCM's {@code tracing} with {@code random_sampling} (the percentage, when set),
 *       {@code overall_sampling} 0 when span reporting is disabled, the custom tags by name, and the
 *       {@code provider} of a mesh config extension provider ({@link TracingProviders});</li>
 *   <li>access logging: the HCM's {@code access_log}, Envoy's file access logger to {@code /dev/stdout}, or to
 *       {@code /dev/null} when disabled.</li>
 * </ul>
 * A signal no Telemetry sets is left out, so the sidecar's own settings apply to it.
 */
public final class TelemetryGenerator {
    /** The HTTP filter name Istio gives the stats filter. */
    public static final String STATS_FILTER = "istio.stats";
    /** Envoy's file access logger. */
    public static final String FILE_ACCESS_LOG = "envoy.access_loggers.file";

    private TelemetryGenerator() {
    }

    /**
     * The workload's listeners with its Telemetry settings on every HTTP connection manager of their chains.
     *
     * @param providers the tracing providers of the mesh config
     */
    public static List<Listener> apply(List<Listener> listeners, Collection<ConfigObject> telemetries,
                                       String namespace, Map<String, String> labels, TracingProviders providers) {
        List<Telemetry> levels = TelemetrySelection.forWorkload(telemetries, namespace, labels);
        if (levels.isEmpty() && providers.config().defaultTracingProviders().isEmpty()) {
            return listeners;
        }
        Settings client = settings(levels, WorkloadMode.CLIENT, providers);
        Settings server = settings(levels, WorkloadMode.SERVER, providers);
        List<Listener> changed = new ArrayList<>(listeners.size());
        for (Listener listener : listeners) {
            Settings settings = listener.getTrafficDirection() == TrafficDirection.INBOUND ? server : client;
            changed.add(settings.isEmpty() ? listener : apply(listener, settings));
        }
        return changed;
    }

    /**
     * The settings of one side.
     *
     * @param stats     the stats filter's config, null when no override applies
     * @param tracing   the HCM's tracing, null when no tracing entry applies
     * @param accessLog the HCM's access log, null when no access logging entry applies
     */
    record Settings(PluginConfig stats, HttpConnectionManager.Tracing tracing, AccessLog accessLog) {
        boolean isEmpty() {
            return stats == null && tracing == null && accessLog == null;
        }
    }

    static Settings settings(List<Telemetry> levels, WorkloadMode mode, TracingProviders providers) {
        return new Settings(stats(levels, mode), tracing(levels, mode, providers), accessLog(levels, mode));
    }

    private static boolean covers(WorkloadMode match, WorkloadMode mode) {
        return match == WorkloadMode.CLIENT_AND_SERVER || match == mode;
    }

    static PluginConfig stats(List<Telemetry> levels, WorkloadMode mode) {
        PluginConfig.Builder config = PluginConfig.newBuilder();
        Map<String, Boolean> disabled = new TreeMap<>();
        for (Telemetry level : levels) {
            for (Metrics metrics : level.getMetricsList()) {
                for (MetricsOverrides override : metrics.getOverridesList()) {
                    if (!covers(override.getMatch().getMode(), mode)) {
                        continue;
                    }
                    String name = metricName(override.getMatch().getMetric());
                    if (override.hasDisabled()) {
                        disabled.put(name, override.getDisabled().getValue());
                    }
                    if (override.getTagOverridesCount() == 0) {
                        continue;
                    }
                    MetricConfig.Builder metric = MetricConfig.newBuilder().setName(name);
                    new TreeMap<>(override.getTagOverridesMap()).forEach((tag, change) -> {
                        if (change.getOperation() == MetricsOverrides.TagOverride.Operation.REMOVE) {
                            metric.addTagsToRemove(tag);
                        } else {
                            metric.putDimensions(tag, change.getValue());
                        }
                    });
                    config.addMetrics(metric);
                }
            }
        }
        disabled.forEach((name, drop) -> {
            if (drop) {
                config.addMetrics(MetricConfig.newBuilder().setName(name).setDrop(true));
            }
        });
        return config.getMetricsCount() == 0 ? null : config.build();
    }

    /** Istio's metric as the stats filter names it: {@code requests_total}, ...; empty for every metric. */
    static String metricName(MetricSelector.IstioMetric metric) {
        return switch (metric) {
            case REQUEST_COUNT -> "requests_total";
            case REQUEST_DURATION -> "request_duration_milliseconds";
            case REQUEST_SIZE -> "request_bytes";
            case RESPONSE_SIZE -> "response_bytes";
            case TCP_OPENED_CONNECTIONS -> "tcp_connections_opened_total";
            case TCP_CLOSED_CONNECTIONS -> "tcp_connections_closed_total";
            case TCP_SENT_BYTES -> "tcp_sent_bytes_total";
            case TCP_RECEIVED_BYTES -> "tcp_received_bytes_total";
            case GRPC_REQUEST_MESSAGES -> "request_messages_total";
            case GRPC_RESPONSE_MESSAGES -> "response_messages_total";
            case ALL_METRICS, UNRECOGNIZED -> "";
        };
    }

    /**
     * The HCM's tracing for one side. The provider is the first one named by the most specific matching entry
     * that names any, else by the mesh config's {@code defaultProviders.tracing}; an extension provider adds its
     * {@code provider} block with {@code client_sampling} and {@code overall_sampling} 100, as istiod does.
     */
    static HttpConnectionManager.Tracing tracing(List<Telemetry> levels, WorkloadMode mode,
                                                 TracingProviders providers) {
        Double sampling = null;
        boolean disabled = false;
        Map<String, dev.skiff.api.telemetry.v1alpha1.CustomTag> tags = new TreeMap<>();
        List<String> named = providers.config().defaultTracingProviders();
        for (Telemetry level : levels) {
            for (Tracing tracing : level.getTracingList()) {
                if (!covers(tracing.getMatch().getMode(), mode)) {
                    continue;
                }
                if (tracing.hasRandomSamplingPercentage()) {
                    sampling = tracing.getRandomSamplingPercentage().getValue();
                }
                if (tracing.hasDisableSpanReporting()) {
                    disabled = tracing.getDisableSpanReporting().getValue();
                }
                tags.putAll(tracing.getCustomTagsMap());
                if (tracing.getProvidersCount() > 0) {
                    named = tracing.getProvidersList().stream().map(ProviderRef::getName).toList();
                }
                break;
            }
        }
        HttpConnectionManager.Tracing provider = disabled || named.isEmpty() ? null
                : providers.provider(named.getFirst()).orElse(null);
        if (provider == null && sampling == null && !disabled && tags.isEmpty()) {
            return null;
        }
        HttpConnectionManager.Tracing.Builder tracing = provider == null ? HttpConnectionManager.Tracing.newBuilder()
                : provider.toBuilder().setClientSampling(Percent.newBuilder().setValue(100))
                .setOverallSampling(Percent.newBuilder().setValue(100));
        if (sampling != null) {
            tracing.setRandomSampling(Percent.newBuilder().setValue(sampling));
        }
        if (disabled) {
            tracing.setOverallSampling(Percent.newBuilder().setValue(0));
        }
        tags.forEach((name, tag) -> tracing.addCustomTags(customTag(name, tag)));
        return tracing.build();
    }

    private static CustomTag customTag(String name, dev.skiff.api.telemetry.v1alpha1.CustomTag tag) {
        CustomTag.Builder envoy = CustomTag.newBuilder().setTag(name);
        switch (tag.getTypeCase()) {
            case LITERAL -> envoy.setLiteral(CustomTag.Literal.newBuilder().setValue(tag.getLiteral().getValue()));
            case ENVIRONMENT -> envoy.setEnvironment(CustomTag.Environment.newBuilder()
                    .setName(tag.getEnvironment().getName())
                    .setDefaultValue(tag.getEnvironment().getDefaultValue()));
            case HEADER -> envoy.setRequestHeader(CustomTag.Header.newBuilder()
                    .setName(tag.getHeader().getName())
                    .setDefaultValue(tag.getHeader().getDefaultValue()));
            default -> throw new IllegalArgumentException("custom tag " + name + " has no value (validation"
                    + " requires literal, environment or header)");
        }
        return envoy.build();
    }

    static AccessLog accessLog(List<Telemetry> levels, WorkloadMode mode) {
        Boolean disabled = null;
        for (Telemetry level : levels) {
            for (AccessLogging logging : level.getAccessLoggingList()) {
                if (covers(logging.getMatch().getMode(), mode)) {
                    disabled = logging.getDisabled().getValue();
                }
            }
        }
        if (disabled == null) {
            return null;
        }
        return AccessLog.newBuilder().setName(FILE_ACCESS_LOG).setTypedConfig(Any.pack(FileAccessLog.newBuilder()
                .setPath(disabled ? "/dev/null" : "/dev/stdout").build())).build();
    }

    private static Listener apply(Listener listener, Settings settings) {
        Listener.Builder builder = listener.toBuilder();
        for (FilterChain.Builder chain : builder.getFilterChainsBuilderList()) {
            for (Filter.Builder filter : chain.getFiltersBuilderList()) {
                if (filter.hasTypedConfig() && filter.getTypedConfig().is(HttpConnectionManager.class)) {
                    filter.setTypedConfig(Any.pack(apply(unpack(filter.getTypedConfig()), settings)));
                }
            }
            int last = chain.getFiltersCount() - 1;
            boolean tcp = last >= 0 && chain.getFilters(last).hasTypedConfig()
                    && chain.getFilters(last).getTypedConfig().is(TcpProxy.class);
            if (tcp && settings.stats() != null) {
                chain.addFilters(last, Filter.newBuilder().setName(STATS_FILTER)
                        .setTypedConfig(Any.pack(settings.stats())));
            }
        }
        return builder.build();
    }

    private static HttpConnectionManager unpack(Any config) {
        try {
            return config.unpack(HttpConnectionManager.class);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("a generated HTTP connection manager cannot be read back", e);
        }
    }

    private static HttpConnectionManager apply(HttpConnectionManager hcm, Settings settings) {
        HttpConnectionManager.Builder builder = hcm.toBuilder();
        if (settings.stats() != null) {
            builder.addHttpFilters(Math.max(0, builder.getHttpFiltersCount() - 1), HttpFilter.newBuilder()
                    .setName(STATS_FILTER).setTypedConfig(Any.pack(settings.stats())));
        }
        if (settings.tracing() != null) {
            builder.setTracing(settings.tracing());
        }
        if (settings.accessLog() != null) {
            builder.addAccessLog(settings.accessLog());
        }
        return builder.build();
    }
}
