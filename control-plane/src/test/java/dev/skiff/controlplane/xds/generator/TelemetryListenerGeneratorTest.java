package dev.skiff.controlplane.xds.generator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.api.stats.MetricConfig;
import dev.skiff.api.stats.PluginConfig;
import dev.skiff.controlplane.xds.ProxyView;
import dev.skiff.controlplane.xds.TypeUrls;
import dev.skiff.controlplane.xds.XdsResource;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.access_loggers.file.v3.FileAccessLog;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.type.tracing.v3.CustomTag;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Telemetry resources merged mesh-wide &lt; namespace &lt; workload and generated onto the sidecar's connection
 * managers: the client side on {@code virtualOutbound}, the server side on the inbound listeners.
 */
class TelemetryListenerGeneratorTest {

    private static final String MESH = """
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: reviews, namespace: default}
            spec:
              hosts: [reviews.default.svc.cluster.local]
              location: MESH_INTERNAL
              resolution: STATIC
              ports: [{number: 9080, name: http, protocol: HTTP, targetPort: 9080}]
              workloadSelector: {labels: {app: reviews}}
            ---
            apiVersion: networking.istio.io/v1
            kind: WorkloadEntry
            metadata: {name: reviews-v1, namespace: default}
            spec:
              address: 127.0.0.11
              labels: {app: reviews}
            ---
            apiVersion: telemetry.istio.io/v1
            kind: Telemetry
            metadata: {name: mesh-default, namespace: istio-system}
            spec:
              tracing:
              - randomSamplingPercentage: 10
                customTags:
                  env: {literal: {value: prod}}
              metrics:
              - overrides:
                - match: {metric: REQUEST_COUNT}
                  tagOverrides:
                    source_version: {operation: REMOVE}
              accessLogging:
              - providers: [{name: envoy}]
            """;

    private static HttpConnectionManager hcm(String extra, String listenerName) throws Exception {
        DefaultXdsResourceProvider provider = new DefaultXdsResourceProvider();
        provider.update(MeshConfigs.parse("mesh.yaml", MESH + extra));
        ProxyView reviews = new ProxyView("sidecar~127.0.0.11~reviews-v1.default~default.svc.cluster.local",
                ProxyView.Kind.SIDECAR, "reviews-v1", "default", Map.of());
        XdsResource resource = provider.resources(reviews, TypeUrls.LISTENER, Set.of()).stream()
                .filter(r -> r.name().equals(listenerName)).findFirst().orElseThrow();
        Listener listener = resource.body().unpack(Listener.class);
        return listener.getFilterChains(0).getFilters(0).getTypedConfig().unpack(HttpConnectionManager.class);
    }

    private static PluginConfig stats(HttpConnectionManager hcm) throws Exception {
        HttpFilter filter = hcm.getHttpFiltersList().stream().filter(f -> f.getName().equals("istio.stats"))
                .findFirst().orElseThrow();
        assertThat(hcm.getHttpFilters(hcm.getHttpFiltersCount() - 1).getName())
                .isEqualTo("envoy.filters.http.router");
        return filter.getTypedConfig().unpack(PluginConfig.class);
    }

    private static String accessLogPath(HttpConnectionManager hcm) throws Exception {
        assertThat(hcm.getAccessLogList()).singleElement().satisfies(log ->
                assertThat(log.getName()).isEqualTo("envoy.access_loggers.file"));
        return hcm.getAccessLog(0).getTypedConfig().unpack(FileAccessLog.class).getPath();
    }

    @Test
    void theMeshWideTelemetryReachesBothSides() throws Exception {
        for (String listener : new String[]{"virtualOutbound", "inbound|9080"}) {
            HttpConnectionManager hcm = hcm("", listener);
            assertThat(stats(hcm)).isEqualTo(PluginConfig.newBuilder().addMetrics(MetricConfig.newBuilder()
                    .setName("requests_total").addTagsToRemove("source_version")).build());
            assertThat(hcm.getTracing().getRandomSampling().getValue()).isEqualTo(10);
            assertThat(hcm.getTracing().hasOverallSampling()).isFalse();
            assertThat(hcm.getTracing().getCustomTagsList()).containsExactly(CustomTag.newBuilder().setTag("env")
                    .setLiteral(CustomTag.Literal.newBuilder().setValue("prod")).build());
            assertThat(accessLogPath(hcm)).isEqualTo("/dev/stdout");
        }
    }

    @Test
    void theNamespaceOverridesTheMeshAndTheWorkloadSelectorOverridesBothPerSide() throws Exception {
        String overrides = """
                ---
                apiVersion: telemetry.istio.io/v1
                kind: Telemetry
                metadata: {name: namespace-default, namespace: default}
                spec:
                  tracing:
                  - randomSamplingPercentage: 50
                    customTags:
                      team: {header: {name: x-team, defaultValue: none}}
                  accessLogging:
                  - disabled: true
                ---
                apiVersion: telemetry.istio.io/v1alpha1
                kind: Telemetry
                metadata: {name: reviews, namespace: default}
                spec:
                  selector:
                    matchLabels: {app: reviews}
                  tracing:
                  - match: {mode: SERVER}
                    disableSpanReporting: true
                  metrics:
                  - overrides:
                    - match: {mode: CLIENT}
                      disabled: true
                    - match: {metric: REQUEST_DURATION, mode: SERVER}
                      tagOverrides:
                        mesh: {value: "'prod'"}
                  accessLogging:
                  - match: {mode: SERVER}
                    disabled: false
                ---
                apiVersion: telemetry.istio.io/v1
                kind: Telemetry
                metadata: {name: ratings, namespace: default}
                spec:
                  selector:
                    matchLabels: {app: ratings}
                  accessLogging:
                  - disabled: false
                """;
        HttpConnectionManager client = hcm(overrides, "virtualOutbound");
        assertThat(stats(client).getMetricsList()).containsExactly(
                MetricConfig.newBuilder().setName("requests_total").addTagsToRemove("source_version").build(),
                MetricConfig.newBuilder().setDrop(true).build());
        assertThat(client.getTracing().getRandomSampling().getValue()).isEqualTo(50);
        assertThat(client.getTracing().hasOverallSampling()).isFalse();
        assertThat(client.getTracing().getCustomTagsList()).extracting(CustomTag::getTag)
                .containsExactly("env", "team");
        assertThat(accessLogPath(client)).as("the namespace disables it").isEqualTo("/dev/null");

        HttpConnectionManager server = hcm(overrides, "inbound|9080");
        assertThat(stats(server).getMetricsList()).containsExactly(
                MetricConfig.newBuilder().setName("requests_total").addTagsToRemove("source_version").build(),
                MetricConfig.newBuilder().setName("request_duration_milliseconds").putDimensions("mesh", "'prod'")
                        .build());
        assertThat(server.getTracing().getOverallSampling().getValue()).isZero();
        assertThat(server.getTracing().getRandomSampling().getValue()).isEqualTo(50);
        assertThat(accessLogPath(server)).as("the workload enables it again").isEqualTo("/dev/stdout");
    }

    @Test
    void tcpChainsGetTheStatsFilterAsANetworkFilterBeforeTheTcpProxy() throws Exception {
        DefaultXdsResourceProvider provider = new DefaultXdsResourceProvider();
        provider.update(MeshConfigs.parse("mesh.yaml", MESH + """
                ---
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: mysql, namespace: default}
                spec:
                  hosts: [mysql.default.svc.cluster.local]
                  location: MESH_INTERNAL
                  resolution: STATIC
                  ports: [{number: 3306, name: tcp, protocol: TCP}]
                  endpoints: [{address: 127.0.0.12}]
                """));
        ProxyView reviews = new ProxyView("sidecar~127.0.0.11~reviews-v1.default~default.svc.cluster.local",
                ProxyView.Kind.SIDECAR, "reviews-v1", "default", Map.of());
        Listener outbound = provider.resources(reviews, TypeUrls.LISTENER, Set.of()).stream()
                .filter(r -> r.name().equals("virtualOutbound")).findFirst().orElseThrow().body()
                .unpack(Listener.class);
        FilterChain tcp = outbound.getFilterChainsList().stream()
                .filter(chain -> chain.getName().equals("outbound|3306||mysql.default.svc.cluster.local"))
                .findFirst().orElseThrow();
        assertThat(tcp.getFiltersList()).extracting(Filter::getName)
                .containsExactly("istio.stats", "envoy.filters.network.tcp_proxy");
        assertThat(tcp.getFilters(0).getTypedConfig().unpack(PluginConfig.class).getMetrics(0).getTagsToRemoveList())
                .containsExactly("source_version");
    }

    @Test
    void workloadsWithoutTelemetryKeepTheirConnectionManagersUnchanged() throws Exception {
        DefaultXdsResourceProvider provider = new DefaultXdsResourceProvider();
        provider.update(MeshConfigs.parse("mesh.yaml", MESH.substring(0, MESH.indexOf("---\napiVersion: telemetry"))));
        ProxyView reviews = new ProxyView("sidecar~127.0.0.11~reviews-v1.default~default.svc.cluster.local",
                ProxyView.Kind.SIDECAR, "reviews-v1", "default", Map.of());
        HttpConnectionManager hcm = provider.resources(reviews, TypeUrls.LISTENER, Set.of()).stream()
                .filter(r -> r.name().equals("inbound|9080")).findFirst().orElseThrow().body()
                .unpack(Listener.class).getFilterChains(0).getFilters(0).getTypedConfig()
                .unpack(HttpConnectionManager.class);
        assertThat(hcm.hasTracing()).isFalse();
        assertThat(hcm.getAccessLogList()).isEmpty();
        assertThat(hcm.getHttpFiltersList()).extracting(HttpFilter::getName).doesNotContain("istio.stats");
    }
}
