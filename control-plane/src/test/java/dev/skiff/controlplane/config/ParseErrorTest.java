package dev.skiff.controlplane.config;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Each class of parse error, with its exact path and message. */
class ParseErrorTest {
    private static final String ROUTE = """
            hosts: [reviews]
            http:
            - route:
              - destination: {host: reviews}
            """;

    @Test
    void unknownFieldSuggestsTheClosestName() {
        assertThat(Yaml.virtualServiceErrors("""
                hosts: [reviews]
                http:
                - rout:
                  - destination: {host: reviews}
                """)).containsExactly("vs.yaml: VirtualService default/reviews: spec.http[0].rout: unknown field "
                        + "(did you mean route?)");
    }

    @Test
    void unknownFieldFarFromAnyNameListsTheFields() {
        assertThat(Yaml.specErrors("WorkloadEntry", """
                address: 127.0.0.1
                colour: blue
                """)).containsExactly("test.yaml: WorkloadEntry default/test: spec.colour: unknown field "
                        + "(expected one of: address, ports, labels, network, locality, weight, serviceAccount)");
    }

    @Test
    void wrongScalarTypes() {
        assertThat(Yaml.virtualServiceErrors("""
                hosts: reviews
                http:
                - route:
                  - destination: {host: reviews}
                    weight: abc
                  timeout: 10
                  retries: {attempts: 1.5, retryRemoteLocalities: "yes please"}
                  match:
                  - ignoreUriCase: 1
                """)).containsExactly(
                "vs.yaml: VirtualService default/reviews: spec.hosts: expected a list, got \"reviews\"",
                "vs.yaml: VirtualService default/reviews: spec.http[0].route[0].weight: expected an integer, "
                        + "got \"abc\"",
                "vs.yaml: VirtualService default/reviews: spec.http[0].timeout: expected a duration such as "
                        + "\"1.5s\", \"100ms\" or \"1m\", got 10",
                "vs.yaml: VirtualService default/reviews: spec.http[0].retries.attempts: expected an integer, "
                        + "got 1.5",
                "vs.yaml: VirtualService default/reviews: spec.http[0].retries.retryRemoteLocalities: expected "
                        + "true or false, got \"yes please\"",
                "vs.yaml: VirtualService default/reviews: spec.http[0].match[0].ignoreUriCase: expected true or "
                        + "false, got 1");
    }

    @Test
    void integersOutOfRange() {
        assertThat(Yaml.specErrors("WorkloadEntry", """
                address: 127.0.0.1
                weight: -1
                ports: {http: 4294967296}
                """)).containsExactly(
                "test.yaml: WorkloadEntry default/test: spec.weight: -1 is out of range (expected: an integer "
                        + "from 0 to 4294967295)",
                "test.yaml: WorkloadEntry default/test: spec.ports[http]: 4294967296 is out of range (expected: an "
                        + "integer from 0 to 4294967295)");
    }

    @Test
    void stringsMustBeStrings() {
        assertThat(Yaml.specErrors("WorkloadEntry", """
                address: 127.0.0.1
                labels: {version: 1.10}
                """)).containsExactly("test.yaml: WorkloadEntry default/test: spec.labels[version]: expected a "
                        + "string, got 1.1 (quote it in YAML)");
    }

    @Test
    void unknownEnumValueListsTheAllowedOnes() {
        assertThat(Yaml.specErrors("DestinationRule", """
                host: reviews
                trafficPolicy:
                  loadBalancer: {simple: FASTEST}
                """)).containsExactly("test.yaml: DestinationRule default/test: spec.trafficPolicy.loadBalancer"
                        + ".simple: unknown value \"FASTEST\" (expected one of: UNSPECIFIED, LEAST_CONN, RANDOM, "
                        + "PASSTHROUGH, ROUND_ROBIN, LEAST_REQUEST)");
    }

    @Test
    void badDurations() {
        assertThat(Yaml.virtualServiceErrors(ROUTE + """
                  timeout: 10
                """.replace("10", "\"10\""))).containsExactly("vs.yaml: VirtualService default/reviews: "
                        + "spec.http[0].timeout: \"10\" has no unit (expected a duration such as 1.5s, 100ms, 1m "
                        + "or 1h30m)");
        assertThat(Yaml.virtualServiceErrors(ROUTE + """
                  timeout: 3d
                """)).containsExactly("vs.yaml: VirtualService default/reviews: spec.http[0].timeout: \"3d\" has "
                        + "an unknown unit \"d\" (expected one of ns, us, ms, s, m, h)");
        assertThat(Yaml.virtualServiceErrors(ROUTE + """
                  timeout: 1.2.3s
                """)).containsExactly("vs.yaml: VirtualService default/reviews: spec.http[0].timeout: \"1.2.3s\" "
                        + "is not a valid duration (expected a duration such as 1.5s, 100ms, 1m or 1h30m)");
    }

    @Test
    void nonPositiveDurationsAreRejectedWhereTheyMustBePositive() {
        assertThat(Yaml.virtualServiceErrors(ROUTE + """
                  timeout: -1s
                  retries: {attempts: 2, perTryTimeout: 0s}
                """)).containsExactly(
                "vs.yaml: VirtualService default/reviews: spec.http[0].timeout: -1s (expected: > 0)",
                "vs.yaml: VirtualService default/reviews: spec.http[0].retries.perTryTimeout: 0s (expected: > 0)");
    }

    @Test
    void twoMembersOfOneOneof() {
        assertThat(Yaml.virtualServiceErrors("""
                hosts: [reviews]
                http:
                - match:
                  - uri: {exact: /a, prefix: /b}
                  route:
                  - destination: {host: reviews}
                """)).containsExactly("vs.yaml: VirtualService default/reviews: spec.http[0].match[0].uri: exact "
                        + "and prefix are both set (expected: only one of exact, prefix, regex)");
    }

    @Test
    void theSameFieldUnderBothNames() {
        assertThat(Yaml.specErrors("DestinationRule", """
                host: reviews
                exportTo: ["."]
                export_to: ["*"]
                """)).containsExactly("test.yaml: DestinationRule default/test: spec.export_to: set twice, as "
                        + "exportTo and as export_to");
    }

    @Test
    void mapsAndListsMustHaveTheirShape() {
        assertThat(Yaml.specErrors("WorkloadEntry", """
                address: 127.0.0.1
                labels: [app]
                """)).containsExactly("test.yaml: WorkloadEntry default/test: spec.labels: expected a map, got a "
                        + "list");
        assertThat(Yaml.specErrors("DestinationRule", """
                host: reviews
                subsets: [v1]
                """)).containsExactly("test.yaml: DestinationRule default/test: spec.subsets[0]: expected an "
                        + "object, got \"v1\"");
    }

    @Test
    void apiVersionMustBeInTheIstioNetworkingGroupAndAKnownVersion() {
        assertThat(Yaml.errors(Yaml.parse("a.yaml", """
                apiVersion: networking.k8s.io/v1
                kind: VirtualService
                metadata: {name: reviews}
                spec: {hosts: [reviews], http: [{route: [{destination: {host: reviews}}]}]}
                """))).containsExactly("a.yaml: VirtualService default/reviews: apiVersion: \"networking.k8s.io/v1\" "
                        + "is not in API group networking.istio.io (expected networking.istio.io/ and one of v1, "
                        + "v1beta1, v1alpha3)");
        assertThat(Yaml.errors(Yaml.parse("a.yaml", """
                apiVersion: networking.istio.io/v2
                kind: VirtualService
                metadata: {name: reviews}
                spec: {hosts: [reviews], http: [{route: [{destination: {host: reviews}}]}]}
                """))).containsExactly("a.yaml: VirtualService default/reviews: apiVersion: "
                        + "\"networking.istio.io/v2\": version \"v2\" is not supported (expected networking.istio.io/ "
                        + "and one of v1, v1beta1, v1alpha3)");
    }

    @Test
    void unknownKindHasNoKey() {
        ParsedFile file = Yaml.parse("gw.yaml", """
                apiVersion: networking.istio.io/v1
                kind: Gateway
                metadata: {name: ingress}
                spec: {}
                """);

        assertThat(file.documents().getFirst().key()).isNull();
        assertThat(file.documents().getFirst().errors().getFirst())
                .isEqualTo(new ConfigError("gw.yaml", null, "kind", "unsupported kind \"Gateway\" (expected one "
                        + "of: VirtualService, DestinationRule, ServiceEntry, WorkloadEntry, Sidecar,"
                        + " PeerAuthentication, AuthorizationPolicy, RequestAuthentication, LocalRateLimit, Fallback, Telemetry) (in"
                        + " document 1)"));
        assertThat(Yaml.errors(file)).containsExactly("gw.yaml: kind: unsupported kind \"Gateway\" (expected one "
                + "of: VirtualService, DestinationRule, ServiceEntry, WorkloadEntry, Sidecar, PeerAuthentication,"
                + " AuthorizationPolicy, RequestAuthentication, LocalRateLimit, Fallback, Telemetry)"
                + " (in document 1)");
    }

    @Test
    void metadataNameIsRequiredAndMustBeADnsName() {
        assertThat(Yaml.errors(Yaml.parse("a.yaml", """
                apiVersion: networking.istio.io/v1
                kind: WorkloadEntry
                metadata: {namespace: apps}
                spec: {address: 127.0.0.1}
                ---
                apiVersion: networking.istio.io/v1
                kind: WorkloadEntry
                metadata: {name: My_VM, namespace: Apps}
                spec: {address: 127.0.0.1}
                """))).containsExactly(
                "a.yaml: metadata.name: required (in document 1)",
                "a.yaml: metadata.name: \"My_VM\" is not a valid name (expected: a DNS-1123 subdomain: lower case "
                        + "letters, digits, '-' and '.', starting and ending with a letter or digit) (in document 2)",
                "a.yaml: metadata.namespace: \"Apps\" is not a valid namespace (expected: a DNS-1123 label: at "
                        + "most 63 lower case letters, digits and '-', starting and ending with a letter or digit) "
                        + "(in document 2)");
    }

    @Test
    void unknownTopLevelAndMetadataFields() {
        assertThat(Yaml.errors(Yaml.parse("a.yaml", """
                apiVersion: networking.istio.io/v1
                kind: WorkloadEntry
                metadata: {name: vm, label: {app: x}}
                spec: {address: 127.0.0.1}
                specs: {}
                """))).containsExactly(
                "a.yaml: WorkloadEntry default/vm: specs: unknown field (expected: apiVersion, kind, metadata, spec)",
                "a.yaml: WorkloadEntry default/vm: metadata.label: unknown field (expected: name, namespace, "
                        + "labels, annotations)");
    }

    @Test
    void labelsMustBeValidKubernetesLabels() {
        assertThat(Yaml.errors(Yaml.parse("a.yaml", """
                apiVersion: networking.istio.io/v1
                kind: WorkloadEntry
                metadata:
                  name: vm
                  labels: {"-app": ok, version: "not valid!"}
                spec: {address: 127.0.0.1}
                """))).containsExactly(
                "a.yaml: WorkloadEntry default/vm: metadata.labels[-app]: \"-app\" is not a valid label key "
                        + "(expected: an optional DNS subdomain prefix and '/', then at most 63 letters, digits, "
                        + "'-', '_' or '.', starting and ending with a letter or digit)",
                "a.yaml: WorkloadEntry default/vm: metadata.labels[version]: \"not valid!\" is not a valid label "
                        + "value (expected: at most 63 letters, digits, '-', '_' or '.', starting and ending with "
                        + "a letter or digit)");
    }

    @Test
    void brokenYamlNamesLineAndColumn() {
        ParsedFile file = Yaml.parse("broken.yaml", """
                apiVersion: networking.istio.io/v1
                kind: WorkloadEntry
                metadata:
                  name: vm
                   namespace: x
                """);

        assertThat(file.readable()).isFalse();
        assertThat(file.yamlError().toString()).isEqualTo("broken.yaml: not valid YAML at line 5, column 13: "
                + "mapping values are not allowed here");
    }

    @Test
    void duplicateKeysInOneMappingAreAnError() {
        ParsedFile file = Yaml.parse("dup.yaml", """
                apiVersion: networking.istio.io/v1
                kind: WorkloadEntry
                metadata: {name: vm}
                spec:
                  address: 127.0.0.1
                  address: 127.0.0.2
                """);

        assertThat(file.readable()).isFalse();
        assertThat(file.yamlError().message()).startsWith("not valid YAML at line 6, column ")
                .contains("Duplicate field 'address'");
    }

    @Test
    void anUnclosedListSaysWhatWasExpected() {
        assertThat(Yaml.errors(Yaml.parse("u.yaml", "apiVersion: [unclosed\n"))).containsExactly("u.yaml: not "
                + "valid YAML at line 1, column 22: while parsing a flow sequence: expected ',' or ']', but got "
                + "<stream end>");
    }

    @Test
    void aDocumentThatIsNotAnObject() {
        assertThat(Yaml.errors(Yaml.parse("s.yaml", "just a string\n")))
                .containsExactly("s.yaml: expected an object with apiVersion, kind, metadata and spec, got \"just a "
                        + "string\" (in document 1)");
    }
}
