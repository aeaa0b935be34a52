package dev.skiff.controlplane.meshconfig;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.skiff.controlplane.config.ConfigParser;
import dev.skiff.controlplane.config.ParsedFile;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Istio's MeshConfig YAML read strictly: the tracing providers Skiff serves, every other field refused. */
class MeshConfigFileTest {
    private static MeshConfig parse(String yaml) throws MeshConfigException {
        return MeshConfigFile.parse("mesh.yaml", yaml.getBytes(StandardCharsets.UTF_8));
    }

    private static List<String> problems(String yaml) {
        try {
            parse(yaml);
        } catch (MeshConfigException e) {
            return e.problems();
        }
        throw new AssertionError("expected problems in " + yaml);
    }

    @Test
    void readsTheTracingProvidersAsIstioWritesThem() throws Exception {
        MeshConfig config = parse("""
                defaultProviders:
                  tracing: [otel]
                  metrics: [prometheus]
                extensionProviders:
                - name: otel
                  opentelemetry:
                    service: otel-collector.observability.svc.cluster.local
                    port: 4317
                    maxTagLength: 99
                - name: otel-http
                  opentelemetry:
                    service: observability/otel-collector.observability.svc.cluster.local
                    port: 4318
                    http:
                      path: v1/traces
                      timeout: 3s
                      headers:
                      - {name: x-api-key, value: secret}
                - name: zipkin
                  zipkin:
                    service: zipkin.istio-system.svc.cluster.local
                    port: 9411
                """);
        assertThat(config.defaultTracingProviders()).containsExactly("otel");
        assertThat(config.extensionProviders()).containsOnlyKeys("otel", "otel-http", "zipkin");
        assertThat(config.tracingProvider("otel")).contains(new TracingProvider.OpenTelemetry("otel",
                "otel-collector.observability.svc.cluster.local", 4317, 99, null));
        assertThat(config.tracingProvider("otel-http")).contains(new TracingProvider.OpenTelemetry("otel-http",
                "observability/otel-collector.observability.svc.cluster.local", 4318, 0,
                new TracingProvider.Http("/v1/traces", Duration.ofSeconds(3),
                        List.of(new TracingProvider.Header("x-api-key", "secret")))));
        assertThat(config.tracingProvider("zipkin")).contains(new TracingProvider.Zipkin("zipkin",
                "zipkin.istio-system.svc.cluster.local", 9411, 0, "/api/v2/spans"));
    }

    @Test
    void anEmptyFileIsNoMeshConfig() throws Exception {
        assertThat(parse("")).isEqualTo(MeshConfig.DEFAULT);
    }

    @Test
    void refusesWhatItDoesNotServeWithTheFieldPath() {
        assertThat(problems("""
                accessLogFile: /dev/stdout
                defaultProviders:
                  tracing: [jaeger]
                  accessLogging: [envoy]
                extensionProviders:
                - name: authz
                  envoyExtAuthzHttp: {service: authz.default.svc.cluster.local, port: 8000}
                - name: otel
                  opentelemetry:
                    service: otel-collector.observability.svc.cluster.local
                    port: 0
                    grpc: {timeout: 1s}
                - name: otel
                  zipkin: {service: zipkin.istio-system.svc.cluster.local, port: 9411}
                - name: z
                  zipkin: {port: 9411, enable64bitTraceId: true}
                """)).containsExactly(
                "mesh.yaml: accessLogFile: not served by Skiff (expected only: defaultProviders,"
                        + " extensionProviders)",
                "mesh.yaml: defaultProviders.accessLogging: not served by Skiff (expected only: tracing, metrics)",
                "mesh.yaml: extensionProviders[0].envoyExtAuthzHttp: not served by Skiff (expected: name, and one of"
                        + " opentelemetry, zipkin; other providers have no Skiff implementation)",
                "mesh.yaml: extensionProviders[0]: no provider (expected: zipkin or opentelemetry)",
                "mesh.yaml: extensionProviders[1].opentelemetry.port: 0 (expected: an integer from 1 to 65535)",
                "mesh.yaml: extensionProviders[1].opentelemetry.grpc: not served by Skiff (expected only: service,"
                        + " port, maxTagLength, http)",
                "mesh.yaml: extensionProviders[2].name: \"otel\" is already the name of an earlier provider"
                        + " (expected: unique names)",
                "mesh.yaml: extensionProviders[3].zipkin.service: required (expected: the collector's service host,"
                        + " or <namespace>/<host>)",
                "mesh.yaml: extensionProviders[3].zipkin.enable64bitTraceId: true is not served (expected: false or"
                        + " unset; the sidecar always makes 128-bit trace ids)",
                "mesh.yaml: defaultProviders.tracing[0]: \"jaeger\" is not a provider (expected: the name of a"
                        + " zipkin or opentelemetry entry of extensionProviders, or zipkin)");
    }

    @Test
    void aTelemetryMayNameTheMeshConfigsProvidersAndNoOthers() throws Exception {
        MeshConfig config = parse("""
                extensionProviders:
                - name: otel
                  opentelemetry: {service: otel-collector.observability.svc.cluster.local, port: 4317}
                """);
        String telemetry = """
                apiVersion: telemetry.istio.io/v1
                kind: Telemetry
                metadata: {name: tracing, namespace: istio-system}
                spec:
                  tracing:
                  - providers: [{name: %s}]
                """;
        ConfigParser parser = new ConfigParser(config);
        assertThat(parser.parse("t.yaml", telemetry.formatted("otel").getBytes(StandardCharsets.UTF_8))
                .documents().getFirst().errors()).isEmpty();
        ParsedFile unknown = parser.parse("t.yaml", telemetry.formatted("jaeger").getBytes(StandardCharsets.UTF_8));
        assertThat(unknown.documents().getFirst().errors()).singleElement().hasToString("t.yaml: Telemetry"
                + " istio-system/tracing: spec.tracing[0].providers[0].name: \"jaeger\" is not a tracing provider"
                + " (expected: zipkin, the built-in provider, or one of the mesh config's extensionProviders"
                + " [otel])");
    }

    @Test
    void anUnreadableFileIsNamed() {
        assertThatThrownBy(() -> MeshConfigFile.load(java.nio.file.Path.of("missing-mesh.yaml")))
                .isInstanceOf(MeshConfigException.class).hasMessageStartingWith("missing-mesh.yaml: cannot read");
    }
}
