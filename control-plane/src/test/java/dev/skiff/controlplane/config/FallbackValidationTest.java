package dev.skiff.controlplane.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.api.policy.v1alpha1.Fallback;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Parsing of Fallback (policy.skiff.dev v1alpha1) and its checks. */
class FallbackValidationTest {
    private static final String FB = "fb.yaml: Fallback default/test: ";

    private static ParsedFile parse(String spec) {
        return Yaml.parse("fb.yaml", """
                apiVersion: policy.skiff.dev/v1alpha1
                kind: Fallback
                metadata:
                  name: test
                  namespace: default
                spec:
                """ + spec.indent(2));
    }

    private static List<String> errors(String spec) {
        return Yaml.errors(parse(spec));
    }

    @Test
    void parsesEveryField() {
        ParsedFile file = parse("""
                host: reviews.default.svc.cluster.local
                routes: [v2, canary]
                responseFlags: [UO, UH, URX]
                response:
                  status: 200
                  headers: {content-type: application/json, x-fallback: "true"}
                  body: '{"reviews": []}'
                """);

        assertThat(Yaml.errors(file)).isEmpty();
        Fallback spec = (Fallback) file.documents().getFirst().object().spec();
        assertThat(spec.getHost()).isEqualTo("reviews.default.svc.cluster.local");
        assertThat(spec.getRoutesList()).containsExactly("v2", "canary");
        assertThat(spec.getResponseFlagsList()).containsExactly("UO", "UH", "URX");
        assertThat(spec.getResponse().getStatus()).isEqualTo(200);
        assertThat(spec.getResponse().getHeadersMap()).containsEntry("x-fallback", "true");
        assertThat(spec.getResponse().getBody()).isEqualTo("{\"reviews\": []}");
    }

    @Test
    void rejectsUnknownFields() {
        assertThat(errors("""
                host: reviews.default.svc.cluster.local
                responseFlags: [UH]
                response: {status: 503}
                retryOn: 5xx
                """)).singleElement().satisfies(error -> assertThat(error).startsWith(FB).contains("retryOn"));
    }

    @Test
    void requiresAHostFlagsAndAResponse() {
        assertThat(errors("{}")).containsExactly(
                FB + "spec.host: required (expected: the fully qualified host of a service)",
                FB + "spec.responseFlags: empty (expected: at least one of [UO, UH, URX])",
                FB + "spec.response: required (expected: status, and optionally headers and body)");
    }

    @Test
    void rejectsWhatWouldNotBeServed() {
        assertThat(errors("""
                host: "*.example.com"
                routes: [a, "", a]
                responseFlags: [UH, UF, UH]
                response:
                  status: 600
                  headers: {content-length: "3", "bad header": x}
                """)).containsExactly(
                FB + "spec.host: \"*.example.com\" is not a host name (expected: the fully qualified host of a"
                        + " service, without wildcards)",
                FB + "spec.routes[1]: empty (expected: the name of an http route of the host's VirtualService)",
                FB + "spec.routes[2]: \"a\" is listed already (expected: unique route names)",
                FB + "spec.responseFlags[1]: \"UF\" (expected: one of [UO, UH, URX])",
                FB + "spec.responseFlags[2]: \"UH\" is listed already (expected: each flag once)",
                FB + "spec.response.status: 600 (expected: 200..599)",
                FB + "spec.response.headers[bad header]: not a valid header name (expected: an HTTP token)",
                FB + "spec.response.headers[content-length]: set by the sidecar (expected: other headers; the"
                        + " body's length is computed)");
    }
}
