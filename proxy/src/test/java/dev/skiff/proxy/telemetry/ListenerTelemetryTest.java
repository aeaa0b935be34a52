package dev.skiff.proxy.telemetry;

import dev.skiff.proxy.filter.RequestContext;
import dev.skiff.proxy.filter.RequestListener;
import dev.skiff.proxy.model.Direction;
import dev.skiff.proxy.telemetry.ListenerTelemetry.AccessLogMode;
import dev.skiff.proxy.telemetry.MetricsPolicy.LabelValue;
import dev.skiff.proxy.telemetry.MetricsPolicy.MetricOverride;
import dev.skiff.proxy.telemetry.accesslog.AccessLog;
import dev.skiff.proxy.telemetry.tracing.Sampler;
import dev.skiff.proxy.telemetry.tracing.Span;
import dev.skiff.proxy.telemetry.tracing.Tracing;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A listener's Telemetry settings as the metrics, the tracer and the access log apply them. */
class ListenerTelemetryTest {

    private static final WorkloadMetadata LOCAL = new WorkloadMetadata("productpage-v1", "shop", "productpage-v1",
            Map.of("app", "productpage", "team", "web"), "east");
    private static final String CLUSTER = "outbound|9080||reviews.shop.svc.cluster.local";

    private final IstioMetrics metrics = new IstioMetrics();
    private final IstioTelemetry telemetry = new IstioTelemetry(metrics, LOCAL, "sidecar~127.0.0.1~productpage-v1");

    private static RequestContext outbound(ListenerTelemetry settings) {
        RequestContext context = new RequestContext("virtualOutbound", Direction.OUTBOUND, System.nanoTime())
                .request("GET", "reviews.shop.svc.cluster.local:9080", "/r", "HTTP/1.1")
                .telemetry(settings);
        context.cluster(CLUSTER);
        context.responseCode(200);
        return context;
    }

    private void complete(ListenerTelemetry settings) {
        RequestContext context = outbound(settings);
        telemetry.onRequestHeaders(context, new DefaultHttpHeaders());
        telemetry.onComplete(context);
    }

    private static ListenerTelemetry metrics(MetricOverride... overrides) {
        return new ListenerTelemetry(MetricsPolicy.of(List.of(overrides)), TracingPolicy.DEFAULT,
                AccessLogMode.DEFAULT);
    }

    @Test
    void removedLabelsAreAbsentAndUpsertedOnesResolvedFromLiteralsAndNodeMetadata() {
        complete(metrics(new MetricOverride("requests_total", false, Set.of("source_workload", "response_flags"),
                Map.of("team", LabelValue.parse("node.metadata['LABELS']['team']"),
                        "mesh", LabelValue.parse("'prod'"),
                        "source_cluster", LabelValue.parse("node.metadata['CLUSTER_ID']")))));

        List<String> requests = IstioTelemetryTest.series(metrics.scrape(), "istio_requests_total{");
        assertThat(requests).singleElement().asString()
                .doesNotContain("source_workload=", "response_flags=")
                .contains("team=\"web\"", "mesh=\"prod\"", "source_cluster=\"east\"", "response_code=\"200\"");
        assertThat(IstioTelemetryTest.series(metrics.scrape(), "istio_request_bytes_count{")).singleElement()
                .asString().as("other metrics keep Istio's labels").contains("source_workload=\"productpage-v1\"")
                .doesNotContain("team=");
    }

    @Test
    void droppedMetricsAreNotReportedAndDroppingEveryMetricSilencesTheReporter() {
        complete(metrics(new MetricOverride("request_duration_milliseconds", true, Set.of(), Map.of())));
        String scrape = metrics.scrape();
        assertThat(scrape).contains("istio_requests_total{").doesNotContain("istio_request_duration_milliseconds");

        IstioMetrics silent = new IstioMetrics();
        IstioTelemetry quiet = new IstioTelemetry(silent, LOCAL, "sidecar~127.0.0.1~productpage-v1");
        RequestContext context = outbound(metrics(new MetricOverride("", true, Set.of(), Map.of())));
        quiet.onRequestHeaders(context, new DefaultHttpHeaders());
        quiet.onComplete(context);
        assertThat(silent.scrape()).doesNotContain("istio_");
    }

    @Test
    void tcpConnectionsFollowTheirChainsPolicy() {
        ListenerTelemetry settings = metrics(
                new MetricOverride("tcp_connections_opened_total", true, Set.of(), Map.of()),
                new MetricOverride("", false, Set.of("destination_service"), Map.of()));
        RequestContext tcp = new RequestContext("virtualOutbound", Direction.OUTBOUND, System.nanoTime())
                .telemetry(settings);
        tcp.cluster("outbound|3306||mysql.shop.svc.cluster.local");
        telemetry.onConnectionOpened(tcp);
        tcp.addBytesSent(10);
        tcp.addBytesReceived(4);
        telemetry.onComplete(tcp);

        String scrape = metrics.scrape();
        assertThat(scrape).doesNotContain("istio_tcp_connections_opened_total");
        assertThat(IstioTelemetryTest.series(scrape, "istio_tcp_sent_bytes_total{")).singleElement().asString()
                .contains("destination_service_name=\"mysql\"").doesNotContain("destination_service=")
                .endsWith(" 10");
    }

    @Test
    void aChangedPolicyStartsNewSeriesAndEqualPoliciesShareThem() {
        complete(ListenerTelemetry.DEFAULT);
        MetricOverride removeVersion = new MetricOverride("", false, Set.of("source_version"), Map.of());
        complete(metrics(removeVersion));
        complete(metrics(new MetricOverride("", false, Set.of("source_version"), Map.of())));

        assertThat(MetricsPolicy.of(List.of(removeVersion)))
                .isSameAs(MetricsPolicy.of(List.of(new MetricOverride("", false, Set.of("source_version"),
                        Map.of()))));
        List<String> requests = IstioTelemetryTest.series(metrics.scrape(), "istio_requests_total{");
        assertThat(requests).hasSize(2);
        assertThat(requests).filteredOn(line -> !line.contains("source_version=")).singleElement().asString()
                .endsWith(" 2");
    }

    @Test
    void labelExpressionsBeyondLiteralsAndNodeMetadataAreRefused() {
        assertThat(LabelValue.parse("\"v1\"")).isEqualTo(new LabelValue.Literal("v1"));
        assertThat(LabelValue.parse("node.metadata['NAMESPACE']").resolve(LOCAL)).isEqualTo("shop");
        assertThat(LabelValue.parse("node.metadata['LABELS']['missing']").resolve(LOCAL)).isEqualTo("unknown");
        for (String expression : List.of("request.host", "'a' + 'b'", "node.metadata['OWNER']", "'it\\'s'", "",
                "upstream_peer.labels['app']")) {
            assertThatThrownBy(() -> LabelValue.parse(expression)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("expected: a quoted string literal");
        }
    }

    @Test
    void tracingSettingsOverrideSamplingStopReportingAndAddCustomTags() {
        List<Span> exported = new ArrayList<>();
        Tracing tracing = new Tracing(RequestListener.NONE, new Sampler(0), () -> new SplittableRandom(1),
                exported::add);
        TracingPolicy always = new TracingPolicy(100, true, List.of(TracingPolicy.CustomTag.literal("env", "prod"),
                TracingPolicy.CustomTag.header("tenant", "x-tenant", "none"),
                TracingPolicy.CustomTag.header("absent", "x-absent", "")));
        RequestContext traced = outbound(new ListenerTelemetry(MetricsPolicy.DEFAULT, always,
                AccessLogMode.DEFAULT));
        HttpHeaders headers = new DefaultHttpHeaders().set("x-tenant", "acme");
        tracing.onRequestHeaders(traced, headers);
        tracing.onComplete(traced);
        assertThat(exported).singleElement().satisfies(span ->
                assertThat(span.customTags()).containsExactly("prod", "acme", null));
        assertThat(headers.get("x-b3-sampled")).isEqualTo("1");

        RequestContext sidecarDefault = outbound(ListenerTelemetry.DEFAULT);
        tracing.onRequestHeaders(sidecarDefault, new DefaultHttpHeaders());
        tracing.onComplete(sidecarDefault);
        assertThat(exported).as("the sidecar samples 0%").hasSize(1);

        RequestContext silenced = outbound(new ListenerTelemetry(MetricsPolicy.DEFAULT,
                new TracingPolicy(100, false, List.of()), AccessLogMode.DEFAULT));
        HttpHeaders forced = new DefaultHttpHeaders().set("x-b3-sampled", "1");
        tracing.onRequestHeaders(silenced, forced);
        tracing.onComplete(silenced);
        assertThat(exported).as("span reporting disabled").hasSize(1);
        assertThat(forced.get("x-b3-sampled")).isEqualTo("0");
    }

    @Test
    void accessLogSettingsOverrideTheSidecarDefault() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (AccessLog log = new AccessLog(RequestListener.NONE, out, 16, false)) {
            for (AccessLogMode mode : List.of(AccessLogMode.DEFAULT, AccessLogMode.STDOUT, AccessLogMode.OFF)) {
                RequestContext context = outbound(new ListenerTelemetry(MetricsPolicy.DEFAULT,
                        TracingPolicy.DEFAULT, mode));
                context.request("GET", "reviews:9080", "/" + mode, "HTTP/1.1");
                log.onRequestHeaders(context, new DefaultHttpHeaders());
                log.onComplete(context);
            }
        }
        String lines = out.toString(StandardCharsets.UTF_8);
        assertThat(lines.lines()).singleElement().asString().contains("\"path\":\"/STDOUT\"");
    }
}
