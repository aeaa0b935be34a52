package dev.skiff.controlplane.config;

import dev.skiff.api.policy.v1alpha1.HeaderBuckets;
import dev.skiff.api.policy.v1alpha1.Limit;
import dev.skiff.api.policy.v1alpha1.LimitedResponse;
import dev.skiff.api.policy.v1alpha1.LocalRateLimit;
import dev.skiff.api.policy.v1alpha1.TokenBucket;
import dev.skiff.api.policy.v1alpha1.ValueBucket;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Checks of a LocalRateLimit, as strict as Istio's webhook is with its own kinds: at least one limit, unique DNS-1123
 * limit names, a token bucket with positive figures and a fill interval of at least 1ms, one workload-wide limit
 * and one limit per route at most (a route has one bucket, as Envoy's per-route configuration), header buckets
 * with a header name and unique non-empty values, a limited status of 400..599, and valid header names.
 */
final class LocalRateLimitValidator {
    /** The largest bucket the sidecar holds (its token count takes 24 bits). */
    static final long MAX_TOKENS = (1L << 24) - 1;
    private static final Duration MIN_FILL_INTERVAL = Duration.ofMillis(1);

    private LocalRateLimitValidator() {
    }

    static void validate(LocalRateLimit spec, FieldProblems problems) {
        if (spec.hasWorkloadSelector()) {
            Checks.labels(problems, "spec.workloadSelector.labels", spec.getWorkloadSelector().getLabelsMap());
        }
        if (spec.getLimitsCount() == 0) {
            problems.add("spec.limits", "empty (expected: at least one limit)");
        }
        Set<String> names = new HashSet<>();
        Map<String, Integer> scopes = new HashMap<>();
        for (int i = 0; i < spec.getLimitsCount(); i++) {
            Limit limit = spec.getLimits(i);
            String path = "spec.limits[" + i + "]";
            if (limit.getName().isEmpty()) {
                problems.add(path + ".name", "required (expected: a DNS-1123 label unique within the resource)");
            } else if (!Checks.isDns1123Label(limit.getName())) {
                problems.add(path + ".name", "\"" + limit.getName() + "\" is not a DNS-1123 label (expected: at"
                        + " most 63 lowercase letters, digits or '-', starting and ending with a letter or digit)");
            } else if (!names.add(limit.getName())) {
                problems.add(path + ".name", "\"" + limit.getName() + "\" is used by an earlier limit (expected:"
                        + " unique limit names)");
            }
            Integer earlier = scopes.putIfAbsent(limit.getRoute(), i);
            if (earlier != null) {
                problems.add(path + ".route", (limit.getRoute().isEmpty() ? "unset, as in spec.limits[" + earlier
                        + "] (expected: one workload-wide limit per resource"
                        : "\"" + limit.getRoute() + "\" is limited by spec.limits[" + earlier
                        + "] already (expected: one limit per route")
                        + "; a route has a single bucket, use headerBuckets for more)");
            }
            tokenBucket(problems, path + ".tokenBucket", limit.hasTokenBucket(), limit.getTokenBucket());
            if (limit.hasHeaderBuckets()) {
                headerBuckets(problems, path + ".headerBuckets", limit.getHeaderBuckets());
            }
            if (limit.hasResponse()) {
                response(problems, path + ".response", limit.getResponse());
            }
        }
    }

    private static void headerBuckets(FieldProblems problems, String path, HeaderBuckets buckets) {
        if (buckets.getHeader().isEmpty()) {
            problems.add(path + ".header", "required (expected: the request header whose value picks the bucket)");
        } else if (!Checks.isHeaderName(buckets.getHeader())) {
            problems.add(path + ".header", "\"" + buckets.getHeader() + "\" is not a valid header name (expected:"
                    + " an HTTP token; pseudo-headers are not supported)");
        }
        if (buckets.getValuesCount() == 0) {
            problems.add(path + ".values", "empty (expected: at least one value with its token bucket)");
        }
        Set<String> values = new HashSet<>();
        for (int i = 0; i < buckets.getValuesCount(); i++) {
            ValueBucket value = buckets.getValues(i);
            String at = path + ".values[" + i + "]";
            if (value.getValue().isEmpty()) {
                problems.add(at + ".value", "required (expected: a non-empty header value)");
            } else if (!values.add(value.getValue())) {
                problems.add(at + ".value", "\"" + value.getValue() + "\" has a bucket already (expected: unique"
                        + " values)");
            }
            tokenBucket(problems, at + ".tokenBucket", value.hasTokenBucket(), value.getTokenBucket());
        }
    }

    private static void tokenBucket(FieldProblems problems, String path, boolean present, TokenBucket bucket) {
        if (!present) {
            problems.add(path, "required (expected: maxTokens, tokensPerFill and fillInterval)");
            return;
        }
        long maxTokens = Integer.toUnsignedLong(bucket.getMaxTokens());
        if (maxTokens < 1 || maxTokens > MAX_TOKENS) {
            problems.add(path + ".maxTokens", maxTokens + " (expected: 1.." + MAX_TOKENS + ")");
        }
        long tokensPerFill = Integer.toUnsignedLong(bucket.getTokensPerFill());
        if (tokensPerFill > MAX_TOKENS) {
            problems.add(path + ".tokensPerFill", tokensPerFill + " (expected: 1.." + MAX_TOKENS
                    + ", default 1)");
        }
        if (!bucket.hasFillInterval()) {
            problems.add(path + ".fillInterval", "required (expected: a duration of at least 1ms, e.g. 1s)");
            return;
        }
        Duration interval = Checks.toJava(bucket.getFillInterval());
        if (interval.compareTo(MIN_FILL_INTERVAL) < 0) {
            problems.add(path + ".fillInterval", GoDuration.format(interval) + " (expected: at least 1ms)");
        }
    }

    private static void response(FieldProblems problems, String path, LimitedResponse response) {
        if (response.getStatus() != 0 && (response.getStatus() < 400 || response.getStatus() > 599)) {
            problems.add(path + ".status", Integer.toUnsignedString(response.getStatus())
                    + " (expected: 400..599, default 429)");
        }
        for (Map.Entry<String, String> header : response.getHeadersMap().entrySet()) {
            if (!Checks.isHeaderName(header.getKey())) {
                problems.add(path + ".headers[" + header.getKey() + "]", "not a valid header name (expected: an"
                        + " HTTP token)");
            }
        }
    }
}
