package dev.skiff.proxy.xds.translate;

import com.google.protobuf.Any;
import dev.skiff.api.stats.MetricConfig;
import dev.skiff.api.stats.PluginConfig;
import dev.skiff.proxy.model.HttpConnectionManagerSpec;
import dev.skiff.proxy.model.ListenerSpec;
import dev.skiff.proxy.model.TcpProxySpec;
import dev.skiff.proxy.telemetry.ListenerTelemetry;
import dev.skiff.proxy.telemetry.ListenerTelemetry.AccessLogMode;
import dev.skiff.proxy.telemetry.MetricsPolicy;
import dev.skiff.proxy.telemetry.MetricsPolicy.LabelValue;
import dev.skiff.proxy.telemetry.TracingPolicy;
import io.envoyproxy.envoy.config.accesslog.v3.AccessLog;
import io.envoyproxy.envoy.config.accesslog.v3.AccessLogFilter;
import io.envoyproxy.envoy.config.accesslog.v3.NotHealthCheckFilter;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.extensions.access_loggers.file.v3.FileAccessLog;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.type.tracing.v3.CustomTag;
import io.envoyproxy.envoy.type.v3.Percent;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TelemetryTranslatorTest {

    private final ListenerTranslator translator = new ListenerTranslator(new RouteTranslator());

    static HttpFilter stats(PluginConfig.Builder config) {
        return HttpFilter.newBuilder().setName(TelemetryTranslator.STATS_FILTER)
                .setTypedConfig(Any.pack(config.build())).build();
    }

    static AccessLog fileLog(String path) {
        return AccessLog.newBuilder().setName(TelemetryTranslator.FILE_ACCESS_LOG)
                .setTypedConfig(Any.pack(FileAccessLog.newBuilder().setPath(path).build())).build();
    }

    private ListenerTelemetry translate(HttpConnectionManager.Builder hcm) throws TranslationException {
        ListenerSpec spec = translator.translate(ListenerTranslatorTest.virtualOutbound(
                ListenerTranslatorTest.portChain("9080", 9080, ListenerTranslatorTest.hcmFilter(hcm))).build());
        return ((HttpConnectionManagerSpec) spec.chains().getFirst().action()).telemetry();
    }

    private static HttpConnectionManager.Builder hcm() {
        return ListenerTranslatorTest.rdsHcm("9080");
    }

    @Test
    void anHcmWithoutTelemetryKeepsTheSidecarSettings() throws Exception {
        assertThat(translate(hcm())).isEqualTo(ListenerTelemetry.DEFAULT);
    }

    @Test
    void statsFilterTracingAndAccessLogBecomeTheListenerSettings() throws Exception {
        HttpConnectionManager.Builder hcm = hcm()
                .addHttpFilters(0, stats(PluginConfig.newBuilder()
                        .addMetrics(MetricConfig.newBuilder().setName("requests_total")
                                .addTagsToRemove("source_workload")
                                .putDimensions("mesh", "'prod'"))
                        .addMetrics(MetricConfig.newBuilder().setDrop(true))))
                .setTracing(HttpConnectionManager.Tracing.newBuilder()
                        .setRandomSampling(Percent.newBuilder().setValue(25))
                        .setOverallSampling(Percent.newBuilder().setValue(100))
                        .setClientSampling(Percent.newBuilder().setValue(100))
                        .addCustomTags(CustomTag.newBuilder().setTag("env").setLiteral(
                                CustomTag.Literal.newBuilder().setValue("prod")))
                        .addCustomTags(CustomTag.newBuilder().setTag("tenant").setRequestHeader(
                                CustomTag.Header.newBuilder().setName("X-Tenant").setDefaultValue("none"))))
                .addAccessLog(fileLog("/dev/stdout"));

        ListenerTelemetry telemetry = translate(hcm);

        assertThat(telemetry.metrics()).isSameAs(MetricsPolicy.of(List.of(
                new MetricsPolicy.MetricOverride("requests_total", false, Set.of("source_workload"),
                        Map.of("mesh", new LabelValue.Literal("prod"))),
                new MetricsPolicy.MetricOverride("", true, Set.of(), Map.of()))));
        assertThat(telemetry.tracing()).isEqualTo(new TracingPolicy(25, true, List.of(
                TracingPolicy.CustomTag.literal("env", "prod"),
                TracingPolicy.CustomTag.header("tenant", "x-tenant", "none"))));
        assertThat(telemetry.accessLog()).isEqualTo(AccessLogMode.STDOUT);
    }

    @Test
    void overallSamplingZeroStopsSpansAndDevNullStopsTheAccessLog() throws Exception {
        ListenerTelemetry telemetry = translate(hcm()
                .setTracing(HttpConnectionManager.Tracing.newBuilder()
                        .setOverallSampling(Percent.newBuilder().setValue(0)))
                .addAccessLog(fileLog("/dev/null")));

        assertThat(telemetry.tracing()).isEqualTo(new TracingPolicy(TracingPolicy.SIDECAR_SAMPLING, false,
                List.of()));
        assertThat(telemetry.accessLog()).isEqualTo(AccessLogMode.OFF);
    }

    @Test
    void aNetworkStatsFilterBeforeTheTcpProxyGivesTheChainItsMetrics() throws Exception {
        Filter stats = Filter.newBuilder().setName(TelemetryTranslator.STATS_FILTER).setTypedConfig(Any.pack(
                PluginConfig.newBuilder().addMetrics(MetricConfig.newBuilder().setDrop(true)).build())).build();
        FilterChain.Builder tcp = ListenerTranslatorTest.portChain("outbound|3306||mysql", 3306,
                ListenerTranslatorTest.tcpFilter(TcpProxy.newBuilder().setStatPrefix("mysql").setCluster(
                        "outbound|3306||mysql")));
        tcp.addFilters(0, stats);

        ListenerSpec spec = translator.translate(ListenerTranslatorTest.virtualOutbound(tcp).build());

        assertThat(((TcpProxySpec) spec.chains().getFirst().action()).telemetry().metrics()).isSameAs(
                MetricsPolicy.of(List.of(new MetricsPolicy.MetricOverride("", true, Set.of(), Map.of()))));

        FilterChain.Builder http = ListenerTranslatorTest.portChain("9080", 9080,
                ListenerTranslatorTest.hcmFilter(hcm()));
        http.addFilters(0, stats);
        assertThatThrownBy(() -> translator.translate(ListenerTranslatorTest.virtualOutbound(http).build()))
                .isInstanceOf(TranslationException.class)
                .hasMessageContaining("network filter istio.stats before an HTTP connection manager");
    }

    @Test
    void whatTheSidecarDoesNotServeIsRejectedWithTheField() {
        assertRejected(hcm().addHttpFilters(0, stats(PluginConfig.newBuilder().addMetrics(
                        MetricConfig.newBuilder().putDimensions("host", "request.host")))),
                "metrics[0]: dimensions[host]: 'request.host' is not an expression the sidecar evaluates");
        assertRejected(hcm().addHttpFilters(0, stats(PluginConfig.newBuilder().addMetrics(
                        MetricConfig.newBuilder().setName("requests")))),
                "metrics[0]: name 'requests' (expected: empty for every metric, or one of");
        assertRejected(hcm().addHttpFilters(0, stats(PluginConfig.newBuilder().addMetrics(
                        MetricConfig.newBuilder().addTagsToRemove("bad-label")))),
                "tags_to_remove: 'bad-label' is not a Prometheus label name");
        assertRejected(hcm().setTracing(HttpConnectionManager.Tracing.newBuilder()
                        .setOverallSampling(Percent.newBuilder().setValue(50))),
                "tracing: overall_sampling 50.0 unsupported");
        assertRejected(hcm().setTracing(HttpConnectionManager.Tracing.newBuilder().setVerbose(true)),
                "tracing: verbose: unsupported");
        assertRejected(hcm().setTracing(HttpConnectionManager.Tracing.newBuilder().addCustomTags(
                        CustomTag.newBuilder().setTag("m").setMetadata(CustomTag.Metadata.getDefaultInstance()))),
                "custom_tags[0]: metadata: unsupported");
        assertRejected(hcm().addAccessLog(fileLog("/var/log/envoy.log")),
                "access_log[0]: path '/var/log/envoy.log' unsupported");
        assertRejected(hcm().addAccessLog(fileLog("/dev/stdout").toBuilder().setFilter(AccessLogFilter.newBuilder()
                        .setNotHealthCheckFilter(NotHealthCheckFilter.getDefaultInstance()))),
                "access_log[0]: filter: unsupported");
    }

    private void assertRejected(HttpConnectionManager.Builder hcm, String message) {
        assertThatThrownBy(() -> translate(hcm)).isInstanceOf(TranslationException.class)
                .hasMessageContaining(message);
    }
}
