package dev.skiff.proxy.xds.translate;

import com.google.protobuf.Duration;
import dev.skiff.proxy.telemetry.TracingProvider;
import io.envoyproxy.envoy.config.core.v3.GrpcService;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.core.v3.HttpService;
import io.envoyproxy.envoy.config.core.v3.HttpUri;
import io.envoyproxy.envoy.config.trace.v3.OpenTelemetryConfig;
import io.envoyproxy.envoy.config.trace.v3.Tracing;
import io.envoyproxy.envoy.config.trace.v3.ZipkinConfig;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * An HCM's {@code tracing.provider}, as istiod generates it from MeshConfig's extension providers:
 * {@code envoy.tracers.opentelemetry} with an {@code OpenTelemetryConfig} ({@code grpc_service.envoy_grpc} with
 * {@code cluster_name} and {@code authority}, or {@code http_service} with {@code http_uri} {@code uri}/
 * {@code cluster}/{@code timeout} and {@code request_headers_to_add}; {@code service_name}), or
 * {@code envoy.tracers.zipkin} with a {@code ZipkinConfig} ({@code collector_cluster}, {@code collector_endpoint},
 * {@code collector_hostname}, v2 JSON, 128-bit trace ids, no shared span context). Anything else is refused.
 */
final class TracingProviderTranslator {
    static final String OPENTELEMETRY = "envoy.tracers.opentelemetry";
    static final String ZIPKIN = "envoy.tracers.zipkin";

    private static final Set<String> PROVIDER_FIELDS = Set.of("name", "typed_config");
    private static final Set<String> OTEL_FIELDS = Set.of("grpc_service", "http_service", "service_name");
    private static final Set<String> GRPC_SERVICE_FIELDS = Set.of("envoy_grpc");
    private static final Set<String> ENVOY_GRPC_FIELDS = Set.of("cluster_name", "authority");
    private static final Set<String> HTTP_SERVICE_FIELDS = Set.of("http_uri", "request_headers_to_add");
    private static final Set<String> HTTP_URI_FIELDS = Set.of("uri", "cluster", "timeout");
    private static final Set<String> HEADER_OPTION_FIELDS = Set.of("header", "append_action");
    private static final Set<String> HEADER_FIELDS = Set.of("key", "value");
    private static final Set<String> ZIPKIN_FIELDS = Set.of("collector_cluster", "collector_endpoint",
            "collector_endpoint_version", "collector_hostname", "trace_id_128bit", "shared_span_context");

    private TracingProviderTranslator() {
    }

    static TracingProvider translate(Tracing.Http provider, String where) throws TranslationException {
        Messages.requireOnly(provider, where, PROVIDER_FIELDS, Set.of());
        return switch (provider.getName()) {
            case OPENTELEMETRY -> openTelemetry(Messages.unpack(provider.getTypedConfig(), OpenTelemetryConfig.class,
                    where), where + ": " + OPENTELEMETRY);
            case ZIPKIN -> zipkin(Messages.unpack(provider.getTypedConfig(), ZipkinConfig.class, where),
                    where + ": " + ZIPKIN);
            default -> throw new TranslationException(where + ": name '" + provider.getName() + "' unsupported"
                    + " (expected: " + OPENTELEMETRY + " or " + ZIPKIN + ")");
        };
    }

    private static TracingProvider openTelemetry(OpenTelemetryConfig config, String where)
            throws TranslationException {
        Messages.requireOnly(config, where, OTEL_FIELDS, Set.of());
        if (config.hasGrpcService() == config.hasHttpService()) {
            throw new TranslationException(where + ": " + (config.hasGrpcService() ? "both" : "neither of")
                    + " grpc_service and http_service (expected: exactly one)");
        }
        String serviceName = config.getServiceName().isEmpty() ? "unknown_service:skiff" : config.getServiceName();
        if (config.hasGrpcService()) {
            GrpcService grpc = config.getGrpcService();
            Messages.requireOnly(grpc, where + ": grpc_service", GRPC_SERVICE_FIELDS, Set.of());
            GrpcService.EnvoyGrpc envoyGrpc = grpc.getEnvoyGrpc();
            String at = where + ": grpc_service.envoy_grpc";
            Messages.requireOnly(envoyGrpc, at, ENVOY_GRPC_FIELDS, Set.of());
            String cluster = cluster(envoyGrpc.getClusterName(), at + ".cluster_name");
            String authority = envoyGrpc.getAuthority().isEmpty() ? cluster : envoyGrpc.getAuthority();
            return new TracingProvider(TracingProvider.Protocol.OTLP_GRPC, cluster, authority, "", serviceName,
                    TracingProvider.DEFAULT_TIMEOUT, List.of());
        }
        HttpService http = config.getHttpService();
        String at = where + ": http_service";
        Messages.requireOnly(http, at, HTTP_SERVICE_FIELDS, Set.of());
        HttpUri uri = http.getHttpUri();
        Messages.requireOnly(uri, at + ".http_uri", HTTP_URI_FIELDS, Set.of());
        String cluster = cluster(uri.getCluster(), at + ".http_uri.cluster");
        String text = uri.getUri();
        int scheme = text.indexOf("://");
        String rest = scheme < 0 ? text : text.substring(scheme + 3);
        if (scheme >= 0 && !text.startsWith("http://")) {
            throw new TranslationException(at + ".http_uri.uri '" + text + "' unsupported (expected: plain http;"
                    + " the sidecar does not export over TLS)");
        }
        int slash = rest.indexOf('/');
        if (slash <= 0) {
            throw new TranslationException(at + ".http_uri.uri '" + text + "' (expected: <host>/<path>, such as"
                    + " otel-collector.observability.svc.cluster.local/v1/traces)");
        }
        List<TracingProvider.Header> headers = new ArrayList<>();
        for (int i = 0; i < http.getRequestHeadersToAddCount(); i++) {
            HeaderValueOption option = http.getRequestHeadersToAdd(i);
            String optionAt = at + ".request_headers_to_add[" + i + "]";
            Messages.requireOnly(option, optionAt, HEADER_OPTION_FIELDS, Set.of());
            Messages.requireOnly(option.getHeader(), optionAt + ".header", HEADER_FIELDS, Set.of());
            if (option.getHeader().getKey().isEmpty()) {
                throw new TranslationException(optionAt + ".header.key is empty (expected: a header name)");
            }
            headers.add(new TracingProvider.Header(option.getHeader().getKey(), option.getHeader().getValue()));
        }
        return new TracingProvider(TracingProvider.Protocol.OTLP_HTTP, cluster, rest.substring(0, slash),
                rest.substring(slash), serviceName,
                uri.hasTimeout() ? timeout(uri.getTimeout(), at + ".http_uri.timeout") : TracingProvider.DEFAULT_TIMEOUT,
                headers);
    }

    private static TracingProvider zipkin(ZipkinConfig config, String where) throws TranslationException {
        Messages.requireOnly(config, where, ZIPKIN_FIELDS, Set.of());
        String cluster = cluster(config.getCollectorCluster(), where + ": collector_cluster");
        if (config.getCollectorEndpointVersion() != ZipkinConfig.CollectorEndpointVersion.HTTP_JSON) {
            throw new TranslationException(where + ": collector_endpoint_version "
                    + config.getCollectorEndpointVersion() + " unsupported (expected: HTTP_JSON)");
        }
        if (!config.getTraceId128Bit()) {
            throw new TranslationException(where + ": trace_id_128bit false unsupported (expected: true; the"
                    + " sidecar makes 128-bit trace ids)");
        }
        if (!config.hasSharedSpanContext() || config.getSharedSpanContext().getValue()) {
            throw new TranslationException(where + ": shared_span_context " + (config.hasSharedSpanContext()
                    ? "true" : "unset (Envoy's default: true)") + " unsupported (expected: false; client and"
                    + " server spans are separate)");
        }
        if (!config.getCollectorEndpoint().startsWith("/")) {
            throw new TranslationException(where + ": collector_endpoint '" + config.getCollectorEndpoint()
                    + "' (expected: a path such as /api/v2/spans)");
        }
        String authority = config.getCollectorHostname().isEmpty() ? cluster : config.getCollectorHostname();
        return new TracingProvider(TracingProvider.Protocol.ZIPKIN, cluster, authority,
                config.getCollectorEndpoint(), "", TracingProvider.DEFAULT_TIMEOUT, List.of());
    }

    private static String cluster(String name, String where) throws TranslationException {
        if (name.isEmpty()) {
            throw new TranslationException(where + " is empty (expected: the collector's cluster)");
        }
        return name;
    }

    private static java.time.Duration timeout(Duration duration, String where) throws TranslationException {
        java.time.Duration timeout = java.time.Duration.ofSeconds(duration.getSeconds(), duration.getNanos());
        if (timeout.isNegative() || timeout.isZero()) {
            throw new TranslationException(where + ": " + timeout + " (expected: > 0)");
        }
        return timeout;
    }
}
