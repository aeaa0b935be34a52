package dev.skiff.controlplane.xds.generator;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.BoolValue;
import dev.skiff.controlplane.meshconfig.MeshConfig;
import dev.skiff.controlplane.meshconfig.MeshConfigFile;
import dev.skiff.controlplane.telemetryapi.TracingProviders;
import dev.skiff.controlplane.xds.ProxyView;
import dev.skiff.controlplane.xds.TypeUrls;
import dev.skiff.controlplane.xds.XdsResource;
import io.envoyproxy.envoy.config.core.v3.GrpcService;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.core.v3.HttpService;
import io.envoyproxy.envoy.config.core.v3.HttpUri;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.trace.v3.OpenTelemetryConfig;
import io.envoyproxy.envoy.config.trace.v3.ZipkinConfig;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The mesh config's tracing providers on the sidecar's connection managers, as istiod generates them: the HCM's
 * {@code tracing.provider} for the default provider or the one a Telemetry names, per side.
 */
class TracingProviderGeneratorTest {
    private static final String OTEL = "otel-collector.observability.svc.cluster.local";
    private static final String MESH_CONFIG = """
            defaultProviders:
              tracing: [otel]
            extensionProviders:
            - name: otel
              opentelemetry: {service: %s, port: 4317, maxTagLength: 120}
            - name: otel-http
              opentelemetry:
                service: default/%s
                port: 4318
                http:
                  path: /v1/traces
                  timeout: 3s
                  headers: [{name: x-tenant, value: acme}]
            - name: zipkin
              zipkin: {service: zipkin.istio-system.svc.cluster.local, port: 9411}
            - name: nowhere
              opentelemetry: {service: missing.observability.svc.cluster.local, port: 4317}
            """.formatted(OTEL, OTEL);
    private static final String MESH = MeshYaml.documents(MeshYaml.reviewsService(),
            MeshYaml.workload("reviews-v1", "default", "127.0.0.11", "app: reviews"),
            MeshYaml.meshInternalService("otel-collector", 4317, "GRPC", OTEL));

    /** A Telemetry for the reviews workloads with these {@code tracing} entries, YAML from column zero. */
    private static String reviewsTracing(String entries) {
        return """
                ---
                apiVersion: telemetry.istio.io/v1
                kind: Telemetry
                metadata: {name: reviews, namespace: default}
                spec:
                  tracing:
                """ + entries.indent(2);
    }

    private static HttpConnectionManager.Tracing tracing(String telemetry, String listenerName) throws Exception {
        MeshConfig meshConfig = MeshConfigFile.parse("mesh-config.yaml",
                MESH_CONFIG.getBytes(StandardCharsets.UTF_8));
        DefaultXdsResourceProvider provider = new DefaultXdsResourceProvider("cluster.local", meshConfig);
        provider.update(MeshConfigs.parse("mesh.yaml", MESH + telemetry, meshConfig));
        ProxyView reviews = new ProxyView("sidecar~127.0.0.11~reviews-v1.default~default.svc.cluster.local",
                ProxyView.Kind.SIDECAR, "reviews-v1", "default", Map.of());
        XdsResource resource = provider.resources(reviews, TypeUrls.LISTENER, Set.of()).stream()
                .filter(r -> r.name().equals(listenerName)).findFirst().orElseThrow();
        return resource.body().unpack(Listener.class).getFilterChains(0).getFilters(0).getTypedConfig()
                .unpack(HttpConnectionManager.class).getTracing();
    }

    @Test
    void theDefaultProviderIsOpenTelemetryOverGrpcToTheCollectorsCluster() throws Exception {
        for (String listener : new String[]{"virtualOutbound", "inbound|9080"}) {
            HttpConnectionManager.Tracing tracing = tracing("", listener);
            assertThat(tracing.getProvider().getName()).isEqualTo("envoy.tracers.opentelemetry");
            assertThat(tracing.getProvider().getTypedConfig().unpack(OpenTelemetryConfig.class))
                    .isEqualTo(OpenTelemetryConfig.newBuilder().setServiceName("reviews.default")
                            .setGrpcService(GrpcService.newBuilder().setEnvoyGrpc(GrpcService.EnvoyGrpc.newBuilder()
                                    .setClusterName("outbound|4317||" + OTEL).setAuthority(OTEL))).build());
            assertThat(tracing.getMaxPathTagLength().getValue()).isEqualTo(120);
            assertThat(tracing.getClientSampling().getValue()).isEqualTo(100);
            assertThat(tracing.getOverallSampling().getValue()).isEqualTo(100);
            assertThat(tracing.hasRandomSampling()).as("the sidecar's --trace-sampling applies").isFalse();
        }
    }

    @Test
    void aTelemetryPicksOtlpHttpOrZipkinPerSide() throws Exception {
        String telemetry = reviewsTracing("""
                - match: {mode: CLIENT}
                  providers: [{name: otel-http}]
                  randomSamplingPercentage: 25
                - match: {mode: SERVER}
                  providers: [{name: zipkin}]
                """);
        HttpConnectionManager.Tracing client = tracing(telemetry, "virtualOutbound");
        assertThat(client.getRandomSampling().getValue()).isEqualTo(25);
        assertThat(client.getProvider().getTypedConfig().unpack(OpenTelemetryConfig.class).getHttpService())
                .isEqualTo(HttpService.newBuilder().setHttpUri(HttpUri.newBuilder().setUri(OTEL + "/v1/traces")
                                .setCluster("outbound|4318||" + OTEL)
                                .setTimeout(com.google.protobuf.Duration.newBuilder().setSeconds(3)))
                        .addRequestHeadersToAdd(HeaderValueOption.newBuilder()
                                .setHeader(HeaderValue.newBuilder().setKey("x-tenant").setValue("acme"))
                                .setAppendAction(HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD))
                        .build());
        HttpConnectionManager.Tracing server = tracing(telemetry, "inbound|9080");
        assertThat(server.getProvider().getName()).as("zipkin is the built-in provider here: its collector"
                + " service is not in the mesh, so istiod would leave the provider out").isEmpty();
    }

    @Test
    void aZipkinProviderGetsIstiosZipkinConfig() throws Exception {
        String telemetry = "---\n" + MeshYaml.meshInternalService("zipkin", 9411, "HTTP",
                "zipkin.istio-system.svc.cluster.local") + reviewsTracing("- providers: [{name: zipkin}]\n");
        HttpConnectionManager.Tracing tracing = tracing(telemetry, "virtualOutbound");
        assertThat(tracing.getProvider().getName()).isEqualTo("envoy.tracers.zipkin");
        assertThat(tracing.getProvider().getTypedConfig().unpack(ZipkinConfig.class)).isEqualTo(ZipkinConfig
                .newBuilder().setCollectorCluster("outbound|9411||zipkin.istio-system.svc.cluster.local")
                .setCollectorEndpoint("/api/v2/spans")
                .setCollectorEndpointVersion(ZipkinConfig.CollectorEndpointVersion.HTTP_JSON)
                .setCollectorHostname("zipkin.istio-system.svc.cluster.local").setTraceId128Bit(true)
                .setSharedSpanContext(BoolValue.of(false)).build());
        assertThat(tracing.hasMaxPathTagLength()).isFalse();
    }

    @Test
    void aProviderWhoseCollectorIsNotInTheMeshIsLeftOut() throws Exception {
        String telemetry = reviewsTracing("""
                - providers: [{name: nowhere}]
                  randomSamplingPercentage: 5
                """);
        HttpConnectionManager.Tracing tracing = tracing(telemetry, "virtualOutbound");
        assertThat(tracing.hasProvider()).isFalse();
        assertThat(tracing.getRandomSampling().getValue()).isEqualTo(5);
    }

    @Test
    void theControlPlaneNamesTheProvidersWhoseCollectorIsNotInTheMesh() throws Exception {
        MeshConfig meshConfig = MeshConfigFile.parse("mesh-config.yaml",
                MESH_CONFIG.getBytes(StandardCharsets.UTF_8));
        DefaultXdsResourceProvider provider = new DefaultXdsResourceProvider("cluster.local", meshConfig);
        provider.update(MeshConfigs.parse("mesh.yaml", MESH, meshConfig));
        assertThat(new TracingProviders(meshConfig, provider.mesh(), "").unresolved()).containsExactly(
                "mesh config: extensionProviders zipkin: service zipkin.istio-system.svc.cluster.local is not a"
                        + " service of the mesh, so connection managers get no provider for it (expected: a"
                        + " ServiceEntry host, or <namespace>/<host>)",
                "mesh config: extensionProviders nowhere: service missing.observability.svc.cluster.local is not a"
                        + " service of the mesh, so connection managers get no provider for it (expected: a"
                        + " ServiceEntry host, or <namespace>/<host>)");
    }
}
