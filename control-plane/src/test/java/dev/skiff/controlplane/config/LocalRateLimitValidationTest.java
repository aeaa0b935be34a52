package dev.skiff.controlplane.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.api.policy.v1alpha1.Limit;
import dev.skiff.api.policy.v1alpha1.LocalRateLimit;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Parsing of LocalRateLimit (policy.skiff.dev v1alpha1) and its checks. */
class LocalRateLimitValidationTest {
    private static final String RL = "rl.yaml: LocalRateLimit default/test: ";

    private static List<String> errors(String spec) {
        return Yaml.errors(parse("v1alpha1", spec));
    }

    private static ParsedFile parse(String version, String spec) {
        return Yaml.parse("rl.yaml", """
                apiVersion: policy.skiff.dev/%s
                kind: LocalRateLimit
                metadata:
                  name: test
                  namespace: default
                spec:
                """.formatted(version) + spec.indent(2));
    }

    @Test
    void parsesEveryField() {
        ParsedFile file = parse("v1alpha1", """
                workloadSelector:
                  labels: {app: reviews}
                limits:
                - name: all
                  tokenBucket: {maxTokens: 10, tokensPerFill: 10, fillInterval: 1s}
                - name: ratings
                  route: ratings-v2
                  tokenBucket: {maxTokens: 3, fillInterval: 250ms}
                  response:
                    status: 503
                    headers: {x-limited: "yes"}
                    disableXRatelimitHeaders: true
                """);

        assertThat(Yaml.errors(file)).isEmpty();
        LocalRateLimit spec = (LocalRateLimit) file.documents().getFirst().object().spec();
        assertThat(spec.getWorkloadSelector().getLabelsMap()).containsEntry("app", "reviews");
        Limit ratings = spec.getLimits(1);
        assertThat(ratings.getRoute()).isEqualTo("ratings-v2");
        assertThat(ratings.getTokenBucket().getMaxTokens()).isEqualTo(3);
        assertThat(ratings.getTokenBucket().getFillInterval().getNanos()).isEqualTo(250_000_000);
        assertThat(ratings.getResponse().getStatus()).isEqualTo(503);
        assertThat(ratings.getResponse().getHeadersMap()).containsEntry("x-limited", "yes");
        assertThat(ratings.getResponse().getDisableXRatelimitHeaders()).isTrue();
    }

    @Test
    void rejectsOtherVersions() {
        assertThat(Yaml.errors(parse("v1", """
                limits:
                - name: a
                  tokenBucket: {maxTokens: 1, fillInterval: 1s}
                """))).containsExactly(RL + "apiVersion: \"policy.skiff.dev/v1\": version \"v1\" is not supported"
                + " (expected policy.skiff.dev/ and one of v1alpha1)");
    }

    @Test
    void requiresLimitsWithUniqueNamesAndSoundBuckets() {
        assertThat(errors("{}")).containsExactly(RL + "spec.limits: empty (expected: at least one limit)");
        assertThat(errors("""
                limits:
                - name: a
                  tokenBucket: {maxTokens: 0, fillInterval: 0s}
                - name: a
                  route: r1
                  tokenBucket: {maxTokens: 16777216, tokensPerFill: 1, fillInterval: 500us}
                - name: Bad_Name
                  route: r2
                - route: r3
                  tokenBucket: {maxTokens: 1}
                """)).containsExactly(
                RL + "spec.limits[0].tokenBucket.maxTokens: 0 (expected: 1..16777215)",
                RL + "spec.limits[0].tokenBucket.fillInterval: 0s (expected: at least 1ms)",
                RL + "spec.limits[1].name: \"a\" is used by an earlier limit (expected: unique limit names)",
                RL + "spec.limits[1].tokenBucket.maxTokens: 16777216 (expected: 1..16777215)",
                RL + "spec.limits[1].tokenBucket.fillInterval: 500us (expected: at least 1ms)",
                RL + "spec.limits[2].name: \"Bad_Name\" is not a DNS-1123 label (expected: at most 63 lowercase"
                        + " letters, digits or '-', starting and ending with a letter or digit)",
                RL + "spec.limits[2].tokenBucket: required (expected: maxTokens, tokensPerFill and fillInterval)",
                RL + "spec.limits[3].name: required (expected: a DNS-1123 label unique within the resource)",
                RL + "spec.limits[3].tokenBucket.fillInterval: required (expected: a duration of at least 1ms,"
                        + " e.g. 1s)");
    }

    @Test
    void checksTheLimitedResponse() {
        assertThat(errors("""
                workloadSelector:
                  labels: {"bad key!": x}
                limits:
                - name: a
                  tokenBucket: {maxTokens: 1, fillInterval: 1s}
                  response:
                    status: 200
                    headers: {"bad header": x}
                """)).hasSize(3).anySatisfy(e -> assertThat(e).startsWith(RL
                        + "spec.workloadSelector.labels[bad key!]"))
                .contains(RL + "spec.limits[0].response.status: 200 (expected: 400..599, default 429)",
                        RL + "spec.limits[0].response.headers[bad header]: not a valid header name (expected: an"
                                + " HTTP token)");
    }

    @Test
    void parsesHeaderBuckets() {
        ParsedFile file = parse("v1alpha1", """
                limits:
                - name: per-tenant
                  route: checkout
                  tokenBucket: {maxTokens: 5, fillInterval: 1s}
                  headerBuckets:
                    header: x-tenant
                    values:
                    - value: gold
                      tokenBucket: {maxTokens: 100, tokensPerFill: 100, fillInterval: 1s}
                    - value: free
                      tokenBucket: {maxTokens: 2, fillInterval: 1s}
                """);

        assertThat(Yaml.errors(file)).isEmpty();
        Limit limit = ((LocalRateLimit) file.documents().getFirst().object().spec()).getLimits(0);
        assertThat(limit.getHeaderBuckets().getHeader()).isEqualTo("x-tenant");
        assertThat(limit.getHeaderBuckets().getValuesList()).extracting(v -> v.getValue())
                .containsExactly("gold", "free");
        assertThat(limit.getHeaderBuckets().getValues(0).getTokenBucket().getMaxTokens()).isEqualTo(100);
    }

    @Test
    void rejectsBucketsThatWouldNotBeServed() {
        assertThat(errors("""
                limits:
                - name: all
                  tokenBucket: {maxTokens: 1, fillInterval: 1s}
                - name: all-again
                  tokenBucket: {maxTokens: 1, fillInterval: 1s}
                - name: checkout
                  route: checkout
                  tokenBucket: {maxTokens: 1, fillInterval: 1s}
                - name: checkout-again
                  route: checkout
                  tokenBucket: {maxTokens: 1, fillInterval: 1s}
                  headerBuckets:
                    header: ":authority"
                    values:
                    - value: a
                      tokenBucket: {maxTokens: 1, fillInterval: 1s}
                    - value: a
                      tokenBucket: {maxTokens: 0, fillInterval: 1s}
                    - tokenBucket: {maxTokens: 1, fillInterval: 1s}
                - name: no-values
                  route: other
                  tokenBucket: {maxTokens: 1, fillInterval: 1s}
                  headerBuckets: {}
                """)).containsExactly(
                RL + "spec.limits[1].route: unset, as in spec.limits[0] (expected: one workload-wide limit per"
                        + " resource; a route has a single bucket, use headerBuckets for more)",
                RL + "spec.limits[3].route: \"checkout\" is limited by spec.limits[2] already (expected: one limit"
                        + " per route; a route has a single bucket, use headerBuckets for more)",
                RL + "spec.limits[3].headerBuckets.header: \":authority\" is not a valid header name (expected:"
                        + " an HTTP token; pseudo-headers are not supported)",
                RL + "spec.limits[3].headerBuckets.values[1].value: \"a\" has a bucket already (expected: unique"
                        + " values)",
                RL + "spec.limits[3].headerBuckets.values[1].tokenBucket.maxTokens: 0 (expected: 1..16777215)",
                RL + "spec.limits[3].headerBuckets.values[2].value: required (expected: a non-empty header value)",
                RL + "spec.limits[4].headerBuckets.header: required (expected: the request header whose value"
                        + " picks the bucket)",
                RL + "spec.limits[4].headerBuckets.values: empty (expected: at least one value with its token"
                        + " bucket)");
    }
}
