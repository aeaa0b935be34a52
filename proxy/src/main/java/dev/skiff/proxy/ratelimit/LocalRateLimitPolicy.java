package dev.skiff.proxy.ratelimit;

import java.util.List;
import java.util.Objects;

/**
 * A route's local rate limit, translated from Envoy's {@code envoy.extensions.filters.http.local_ratelimit.v3
 * .LocalRateLimit}: the bucket every event loop shares, the share of requests the filter sees
 * ({@code filter_enabled}) and enforces ({@code filter_enforced}) in millionths, the status of a limited response,
 * the headers added to it, and whether Envoy's {@code x-ratelimit-*} headers (DRAFT_VERSION_03) are sent.
 *
 * @param bucket             the token bucket, shared by every request the policy applies to
 * @param enabledPerMillion  share of requests that take a token (0 to 1,000,000)
 * @param enforcedPerMillion share of those that are refused when no token is left (0 to 1,000,000)
 * @param status             the status of a limited response (400 to 599)
 * @param responseHeaders    headers added to a limited response, in order
 * @param xRateLimitHeaders  whether limited responses carry {@code x-ratelimit-limit}, {@code -remaining} and
 *                           {@code -reset}
 */
public record LocalRateLimitPolicy(TokenBucket bucket, int enabledPerMillion, int enforcedPerMillion, int status,
                                   List<Header> responseHeaders, boolean xRateLimitHeaders) {

    /** 100% in millionths. */
    public static final int MILLION = 1_000_000;
    /** Envoy's default status of a limited response. */
    public static final int DEFAULT_STATUS = 429;

    /** One header added to limited responses. */
    public record Header(String name, String value) {
        public Header {
            Objects.requireNonNull(name, "header name");
            Objects.requireNonNull(value, "header value");
            if (name.isEmpty()) {
                throw new IllegalArgumentException("response header name is empty (expected: a header name)");
            }
        }
    }

    public LocalRateLimitPolicy {
        Objects.requireNonNull(bucket, "token bucket");
        if (enabledPerMillion < 0 || enabledPerMillion > MILLION) {
            throw new IllegalArgumentException("filter_enabled " + enabledPerMillion
                    + " per million (expected: 0.." + MILLION + ")");
        }
        if (enforcedPerMillion < 0 || enforcedPerMillion > MILLION) {
            throw new IllegalArgumentException("filter_enforced " + enforcedPerMillion
                    + " per million (expected: 0.." + MILLION + ")");
        }
        if (status < 400 || status > 599) {
            throw new IllegalArgumentException("status " + status + " (expected: 400..599)");
        }
        responseHeaders = List.copyOf(responseHeaders);
    }

    /**
     * Policies are equal when configured alike, whatever their buckets hold, so that a configuration pushed again
     * unchanged is recognized as unchanged (and the listener carrying it is not drained).
     */
    @Override
    public boolean equals(Object other) {
        return other instanceof LocalRateLimitPolicy that
                && bucket.sameSettings(that.bucket)
                && enabledPerMillion == that.enabledPerMillion
                && enforcedPerMillion == that.enforcedPerMillion
                && status == that.status
                && responseHeaders.equals(that.responseHeaders)
                && xRateLimitHeaders == that.xRateLimitHeaders;
    }

    @Override
    public int hashCode() {
        return Objects.hash(bucket.settingsHash(), enabledPerMillion, enforcedPerMillion, status, responseHeaders,
                xRateLimitHeaders);
    }
}
