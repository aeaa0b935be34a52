package dev.skiff.proxy.xds.translate;

import com.google.protobuf.Any;
import com.google.protobuf.BoolValue;
import com.google.protobuf.UInt32Value;
import dev.skiff.proxy.telemetry.TracingPolicy;
import dev.skiff.proxy.telemetry.TracingProvider;
import io.envoyproxy.envoy.config.core.v3.GrpcService;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.core.v3.HttpService;
import io.envoyproxy.envoy.config.core.v3.HttpUri;
import io.envoyproxy.envoy.config.trace.v3.OpenTelemetryConfig;
import io.envoyproxy.envoy.config.trace.v3.Tracing;
import io.envoyproxy.envoy.config.trace.v3.ZipkinConfig;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.type.v3.Percent;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The HCM's {@code tracing.provider} as istiod generates it, translated strictly. */
class TracingProviderTranslatorTest {
    private static final String OTEL = "otel-collector.observability.svc.cluster.local";
    private static final String CLUSTER = "outbound|4317||" + OTEL;

    private static TracingPolicy translate(String name, com.google.protobuf.Message config)
            throws TranslationException {
        return TelemetryTranslator.tracing(HttpConnectionManager.Tracing.newBuilder()
                .setClientSampling(Percent.newBuilder().setValue(100))
                .setOverallSampling(Percent.newBuilder().setValue(100))
                .setMaxPathTagLength(UInt32Value.of(64))
                .setProvider(Tracing.Http.newBuilder().setName(name).setTypedConfig(Any.pack(config))).build(),
                "virtualOutbound: tracing");
    }

    private static OpenTelemetryConfig.Builder grpc() {
        return OpenTelemetryConfig.newBuilder().setServiceName("reviews.default").setGrpcService(GrpcService
                .newBuilder().setEnvoyGrpc(GrpcService.EnvoyGrpc.newBuilder().setClusterName(CLUSTER)
                        .setAuthority(OTEL)));
    }

    @Test
    void openTelemetryOverGrpc() throws Exception {
        TracingPolicy policy = translate(TracingProviderTranslator.OPENTELEMETRY, grpc().build());
        assertThat(policy.provider()).isEqualTo(new TracingProvider(TracingProvider.Protocol.OTLP_GRPC, CLUSTER,
                OTEL, "", "reviews.default", TracingProvider.DEFAULT_TIMEOUT, List.of()));
        assertThat(policy.maxPathTagLength()).isEqualTo(64);
        assertThat(policy.reportSpans()).isTrue();
    }

    @Test
    void openTelemetryOverHttp() throws Exception {
        OpenTelemetryConfig config = OpenTelemetryConfig.newBuilder().setServiceName("reviews.default")
                .setHttpService(HttpService.newBuilder().setHttpUri(HttpUri.newBuilder().setUri(OTEL + "/v1/traces")
                                .setCluster("outbound|4318||" + OTEL)
                                .setTimeout(com.google.protobuf.Duration.newBuilder().setSeconds(2)))
                        .addRequestHeadersToAdd(HeaderValueOption.newBuilder()
                                .setHeader(HeaderValue.newBuilder().setKey("x-tenant").setValue("acme"))
                                .setAppendAction(HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD)))
                .build();
        assertThat(translate(TracingProviderTranslator.OPENTELEMETRY, config).provider()).isEqualTo(
                new TracingProvider(TracingProvider.Protocol.OTLP_HTTP, "outbound|4318||" + OTEL, OTEL,
                        "/v1/traces", "reviews.default", Duration.ofSeconds(2),
                        List.of(new TracingProvider.Header("x-tenant", "acme"))));
    }

    @Test
    void zipkinAsIstioConfiguresIt() throws Exception {
        ZipkinConfig config = ZipkinConfig.newBuilder().setCollectorCluster("outbound|9411||zipkin.istio-system")
                .setCollectorEndpoint("/api/v2/spans")
                .setCollectorEndpointVersion(ZipkinConfig.CollectorEndpointVersion.HTTP_JSON)
                .setCollectorHostname("zipkin.istio-system").setTraceId128Bit(true)
                .setSharedSpanContext(BoolValue.of(false)).build();
        assertThat(translate(TracingProviderTranslator.ZIPKIN, config).provider()).isEqualTo(new TracingProvider(
                TracingProvider.Protocol.ZIPKIN, "outbound|9411||zipkin.istio-system", "zipkin.istio-system",
                "/api/v2/spans", "", TracingProvider.DEFAULT_TIMEOUT, List.of()));
        assertThatThrownBy(() -> translate(TracingProviderTranslator.ZIPKIN, config.toBuilder()
                .setCollectorEndpointVersion(ZipkinConfig.CollectorEndpointVersion.GRPC).build()))
                .hasMessageContaining("collector_endpoint_version GRPC unsupported (expected: HTTP_JSON)");
        assertThatThrownBy(() -> translate(TracingProviderTranslator.ZIPKIN, config.toBuilder()
                .clearSharedSpanContext().build()))
                .hasMessageContaining("shared_span_context unset (Envoy's default: true) unsupported");
    }

    @Test
    void whatTheSidecarDoesNotImplementIsRefused() {
        assertThatThrownBy(() -> translate("envoy.tracers.datadog", grpc().build()))
                .isInstanceOf(TranslationException.class)
                .hasMessage("virtualOutbound: tracing: provider: name 'envoy.tracers.datadog' unsupported"
                        + " (expected: envoy.tracers.opentelemetry or envoy.tracers.zipkin)");
        assertThatThrownBy(() -> translate(TracingProviderTranslator.OPENTELEMETRY, grpc()
                .setGrpcService(grpc().getGrpcService().toBuilder()
                        .setTimeout(com.google.protobuf.Duration.newBuilder().setSeconds(1))).build()))
                .hasMessageContaining("grpc_service").hasMessageContaining("timeout");
        assertThatThrownBy(() -> translate(TracingProviderTranslator.OPENTELEMETRY, grpc()
                .setHttpService(HttpService.getDefaultInstance()).build()))
                .hasMessageContaining("both grpc_service and http_service (expected: exactly one)");
        assertThatThrownBy(() -> translate(TracingProviderTranslator.OPENTELEMETRY, OpenTelemetryConfig
                .newBuilder().setHttpService(HttpService.newBuilder().setHttpUri(HttpUri.newBuilder()
                        .setUri("https://" + OTEL + "/v1/traces").setCluster(CLUSTER))).build()))
                .hasMessageContaining("unsupported (expected: plain http");
    }
}
