package dev.skiff.controlplane.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.api.telemetry.v1alpha1.MetricSelector;
import dev.skiff.api.telemetry.v1alpha1.MetricsOverrides;
import dev.skiff.api.telemetry.v1alpha1.Telemetry;
import dev.skiff.api.telemetry.v1alpha1.WorkloadMode;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Parsing of Telemetry (telemetry.istio.io v1 and v1alpha1) and its checks. */
class TelemetryValidationTest {
    private static final String T = "t.yaml: Telemetry default/test: ";

    private static List<String> errors(String spec) {
        return Yaml.errors(parse("v1", spec));
    }

    private static ParsedFile parse(String version, String spec) {
        return Yaml.parse("t.yaml", """
                apiVersion: telemetry.istio.io/%s
                kind: Telemetry
                metadata:
                  name: test
                  namespace: default
                spec:
                """.formatted(version) + spec.indent(2));
    }

    @Test
    void parsesEveryServedFieldInBothVersions() {
        for (String version : List.of("v1", "v1alpha1")) {
            ParsedFile file = parse(version, """
                    selector:
                      matchLabels: {app: reviews}
                    tracing:
                    - match: {mode: SERVER}
                      providers: [{name: zipkin}]
                      randomSamplingPercentage: 12.5
                      disableSpanReporting: false
                      customTags:
                        env: {literal: {value: prod}}
                        pod: {environment: {name: POD_NAME, defaultValue: none}}
                        tenant: {header: {name: x-tenant, defaultValue: anonymous}}
                    metrics:
                    - providers: [{name: prometheus}]
                      overrides:
                      - match: {metric: REQUEST_COUNT, mode: CLIENT}
                        disabled: true
                      - match: {metric: ALL_METRICS}
                        tagOverrides:
                          source_version: {operation: REMOVE}
                          mesh: {value: "'prod'"}
                          team: {operation: UPSERT, value: "node.metadata['LABELS']['team']"}
                    accessLogging:
                    - providers: [{name: envoy}]
                      match: {mode: CLIENT_AND_SERVER}
                      disabled: true
                    """);

            assertThat(Yaml.errors(file)).as(version).isEmpty();
            Telemetry spec = (Telemetry) file.documents().getFirst().object().spec();
            assertThat(spec.getTracing(0).getRandomSamplingPercentage().getValue()).isEqualTo(12.5);
            assertThat(spec.getTracing(0).getMatch().getMode()).isEqualTo(WorkloadMode.SERVER);
            assertThat(spec.getTracing(0).getCustomTagsOrThrow("tenant").getHeader().getDefaultValue())
                    .isEqualTo("anonymous");
            MetricsOverrides first = spec.getMetrics(0).getOverrides(0);
            assertThat(first.getMatch().getMetric()).isEqualTo(MetricSelector.IstioMetric.REQUEST_COUNT);
            assertThat(first.getDisabled().getValue()).isTrue();
            assertThat(spec.getMetrics(0).getOverrides(1).getTagOverridesOrThrow("source_version").getOperation())
                    .isEqualTo(MetricsOverrides.TagOverride.Operation.REMOVE);
            assertThat(spec.getAccessLogging(0).getDisabled().getValue()).isTrue();
        }
    }

    @Test
    void rejectsWhatTheSidecarDoesNotServeWithTheFieldPath() {
        assertThat(errors("""
                targetRefs: [{kind: Gateway, group: gateway.networking.k8s.io, name: ingress}]
                tracing:
                - providers: [{name: otel}]
                  randomSamplingPercentage: 101
                  useRequestIdForTraceSampling: true
                metrics:
                - providers: [{name: stackdriver}]
                  reportingInterval: 10s
                  overrides:
                  - match: {customMetric: my_metric}
                  - match: {metric: TCP_SENT_BYTES}
                    disabled: true
                  - tagOverrides:
                      host: {value: request.host}
                      bad-name: {operation: REMOVE}
                      gone: {operation: REMOVE, value: "'x'"}
                      empty: {operation: UPSERT}
                accessLogging:
                - providers: [{name: otel-als}]
                  filter: {expression: response.code >= 400}
                """)).containsExactlyInAnyOrder(
                T + "spec.targetRefs: not served (expected: selector; Skiff has no waypoints or gateways to attach"
                        + " a Telemetry to)",
                T + "spec.tracing[0].providers[0].name: \"otel\" is not a tracing provider (expected: zipkin, the"
                        + " built-in provider; the mesh config has no extensionProviders)",
                T + "spec.tracing[0].randomSamplingPercentage: 101.0 (expected: a percentage from 0 to 100)",
                T + "spec.tracing[0].useRequestIdForTraceSampling: true is not served (expected: false or unset;"
                        + " the sidecar samples at random)",
                T + "spec.metrics[0].providers[0].name: \"stackdriver\" is not a provider Skiff serves (expected:"
                        + " prometheus, the built-in provider; extension providers are not served)",
                T + "spec.metrics[0].reportingInterval: not served (expected: unset; the sidecar reports TCP"
                        + " metrics when a connection closes)",
                T + "spec.metrics[0].overrides[0].match.customMetric: \"my_metric\" is not served (expected:"
                        + " metric, one of Istio's standard metrics; Skiff defines no custom metrics)",
                T + "spec.metrics[0].overrides[2].tagOverrides[bad-name]: \"bad-name\" is not a label name"
                        + " (expected: [a-zA-Z_][a-zA-Z0-9_]*, not starting with __)",
                T + "spec.metrics[0].overrides[2].tagOverrides[empty].value: required for UPSERT (expected: a"
                        + " quoted string literal or a node metadata attribute)",
                T + "spec.metrics[0].overrides[2].tagOverrides[gone].value: set for REMOVE (expected: no value)",
                T + "spec.metrics[0].overrides[2].tagOverrides[host].value: 'request.host' is a CEL expression"
                        + " Skiff does not evaluate (expected: a quoted string literal such as \"'prod'\","
                        + " node.metadata['NAME'|'NAMESPACE'|'WORKLOAD_NAME'|'CLUSTER_ID'] or"
                        + " node.metadata['LABELS']['<label>'])",
                T + "spec.accessLogging[0].providers[0].name: \"otel-als\" is not a provider Skiff serves"
                        + " (expected: envoy, the built-in provider; extension providers are not served)",
                T + "spec.accessLogging[0].filter.expression: CEL filter expressions are not served (expected: no"
                        + " filter; the sidecar logs every request of the selected traffic)");
    }

    @Test
    void rejectsBadSelectorsAndCustomTags() {
        assertThat(errors("""
                selector:
                  matchLabels: {"bad key!": x}
                tracing:
                - customTags:
                    a: {}
                    b: {header: {name: "bad header"}}
                    c: {environment: {}}
                """)).hasSize(4).allSatisfy(error -> assertThat(error).startsWith(T + "spec."))
                .anySatisfy(error -> assertThat(error).contains("spec.tracing[0].customTags[a]: no value"))
                .anySatisfy(error -> assertThat(error).contains("customTags[b].header.name"))
                .anySatisfy(error -> assertThat(error).contains("customTags[c].environment.name: required"));
    }
}
