package dev.skiff.controlplane.telemetryapi;

import com.google.protobuf.Any;
import com.google.protobuf.BoolValue;
import com.google.protobuf.UInt32Value;
import dev.skiff.controlplane.meshconfig.MeshConfig;
import dev.skiff.controlplane.meshconfig.TracingProvider;
import dev.skiff.controlplane.model.MeshService;
import dev.skiff.controlplane.model.MeshSnapshot;
import io.envoyproxy.envoy.config.core.v3.GrpcService;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.core.v3.HttpService;
import io.envoyproxy.envoy.config.core.v3.HttpUri;
import io.envoyproxy.envoy.config.trace.v3.OpenTelemetryConfig;
import io.envoyproxy.envoy.config.trace.v3.Tracing;
import io.envoyproxy.envoy.config.trace.v3.ZipkinConfig;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The tracing providers one sidecar's connection managers can name, as istiod generates them: MeshConfig's
 * {@code extensionProviders} become the HCM's {@code tracing.provider}, {@code envoy.tracers.opentelemetry} with an
 * {@code OpenTelemetryConfig} (a {@code grpc_service.envoy_grpc} to the collector's cluster, or an
 * {@code http_service} when OTLP/HTTP is asked for, and the sidecar's service name) or {@code envoy.tracers.zipkin}
 * with a {@code ZipkinConfig} (the collector's cluster and path, v2 JSON, 128-bit trace ids, no shared span
 * context). The collector's cluster is {@code outbound|<port>||<host>} of the provider's service; a provider whose
 * service the mesh does not have gets no provider block, as istiod leaves it out.
 *
 * @param config         the mesh config
 * @param mesh           the services the collectors are looked up in
 * @param serviceCluster the sidecar's service name in its spans: {@code <app>.<namespace>}
 */
public record TracingProviders(MeshConfig config, MeshSnapshot mesh, String serviceCluster) {
    /** Envoy's OpenTelemetry tracer. */
    public static final String OPENTELEMETRY = "envoy.tracers.opentelemetry";
    /** Envoy's Zipkin tracer. */
    public static final String ZIPKIN = "envoy.tracers.zipkin";

    public TracingProviders {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(mesh, "mesh");
        Objects.requireNonNull(serviceCluster, "serviceCluster");
    }

    /**
     * Istio's service cluster for a sidecar: its {@code app} label, else its workload name, else
     * {@code istio-proxy}, then {@code .<namespace>}.
     */
    public static String serviceCluster(Map<String, String> labels, Optional<String> workload, String namespace) {
        String app = labels.get("app");
        String name = app != null && !app.isEmpty() ? app : workload.orElse("istio-proxy");
        return name + "." + namespace;
    }

    /** The provider block for the provider of that name, empty for the built-in one or a collector not found. */
    public Optional<HttpConnectionManager.Tracing> provider(String name) {
        return config.tracingProvider(name).flatMap(provider -> host(provider.service()).map(host -> {
            String cluster = "outbound|" + provider.port() + "||" + host;
            HttpConnectionManager.Tracing.Builder tracing = HttpConnectionManager.Tracing.newBuilder();
            Tracing.Http.Builder http = switch (provider) {
                case TracingProvider.OpenTelemetry otel -> Tracing.Http.newBuilder().setName(OPENTELEMETRY)
                        .setTypedConfig(Any.pack(openTelemetry(otel, host, cluster)));
                case TracingProvider.Zipkin zipkin -> Tracing.Http.newBuilder().setName(ZIPKIN)
                        .setTypedConfig(Any.pack(ZipkinConfig.newBuilder()
                                .setCollectorCluster(cluster)
                                .setCollectorEndpoint(zipkin.path())
                                .setCollectorEndpointVersion(ZipkinConfig.CollectorEndpointVersion.HTTP_JSON)
                                .setCollectorHostname(host)
                                .setTraceId128Bit(true)
                                .setSharedSpanContext(BoolValue.of(false))
                                .build()));
            };
            tracing.setProvider(http);
            if (provider.maxTagLength() != 0) {
                tracing.setMaxPathTagLength(UInt32Value.of(provider.maxTagLength()));
            }
            return tracing.build();
        }));
    }

    private OpenTelemetryConfig openTelemetry(TracingProvider.OpenTelemetry provider, String host, String cluster) {
        OpenTelemetryConfig.Builder otel = OpenTelemetryConfig.newBuilder().setServiceName(serviceCluster);
        if (provider.http() == null) {
            otel.setGrpcService(GrpcService.newBuilder().setEnvoyGrpc(GrpcService.EnvoyGrpc.newBuilder()
                    .setClusterName(cluster).setAuthority(host)));
            return otel.build();
        }
        HttpUri.Builder uri = HttpUri.newBuilder().setUri(host + provider.http().path()).setCluster(cluster);
        if (provider.http().timeout() != null) {
            uri.setTimeout(com.google.protobuf.Duration.newBuilder()
                    .setSeconds(provider.http().timeout().getSeconds())
                    .setNanos(provider.http().timeout().getNano()));
        }
        HttpService.Builder service = HttpService.newBuilder().setHttpUri(uri);
        for (TracingProvider.Header header : provider.http().headers()) {
            service.addRequestHeadersToAdd(HeaderValueOption.newBuilder()
                    .setHeader(HeaderValue.newBuilder().setKey(header.name()).setValue(header.value()))
                    .setAppendAction(HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD));
        }
        return otel.setHttpService(service).build();
    }

    /** A problem line for each extension provider whose collector service the mesh does not have. */
    public List<String> unresolved() {
        List<String> problems = new ArrayList<>();
        for (TracingProvider provider : config.extensionProviders().values()) {
            if (host(provider.service()).isEmpty()) {
                problems.add("mesh config: extensionProviders " + provider.name() + ": service " + provider.service()
                        + " is not a service of the mesh, so connection managers get no provider for it (expected:"
                        + " a ServiceEntry host, or <namespace>/<host>)");
            }
        }
        return problems;
    }

    /** The collector's host: {@code <host>} or {@code <namespace>/<host>}, when the mesh has that service. */
    private Optional<String> host(String service) {
        int slash = service.indexOf('/');
        Optional<MeshService> found = mesh.service(slash < 0 ? service : service.substring(slash + 1));
        if (slash >= 0) {
            String namespace = service.substring(0, slash);
            found = found.filter(candidate -> candidate.namespace().equals(namespace));
        }
        return found.map(MeshService::host);
    }
}
