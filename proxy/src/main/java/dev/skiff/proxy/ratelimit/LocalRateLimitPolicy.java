package dev.skiff.proxy.ratelimit;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A route's local rate limit, translated from Envoy's {@code envoy.extensions.filters.http.local_ratelimit.v3
 * .LocalRateLimit}: the bucket every event loop shares, the share of requests the filter sees
 * ({@code filter_enabled}) and enforces ({@code filter_enforced}) in millionths, the status of a limited response,
 * the headers added to it, whether Envoy's {@code x-ratelimit-*} headers (DRAFT_VERSION_03) are sent, and the
 * descriptor buckets: Envoy's {@code rate_limits} with one {@code request_headers} action and the
 * {@code descriptors} of its key, a bucket per listed value of one request header.
 *
 * @param bucket              the default token bucket, shared by every request the policy applies to
 * @param enabledPerMillion   share of requests that take a token (0 to 1,000,000)
 * @param enforcedPerMillion  share of those that are refused when no token is left (0 to 1,000,000)
 * @param status              the status of a limited response (400 to 599)
 * @param responseHeaders     headers added to a limited response, in order
 * @param xRateLimitHeaders   whether limited responses carry {@code x-ratelimit-limit}, {@code -remaining} and
 *                            {@code -reset}
 * @param descriptors         the descriptor buckets, {@link Descriptors#NONE} when the route has none
 */
public record LocalRateLimitPolicy(TokenBucket bucket, int enabledPerMillion, int enforcedPerMillion, int status,
                                   List<Header> responseHeaders, boolean xRateLimitHeaders, Descriptors descriptors) {

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

    /**
     * Buckets by value of one request header (Envoy's descriptors of a {@code request_headers} action).
     *
     * @param header              the request header whose value picks the bucket, null for {@link #NONE}
     * @param byValue             the buckets of the listed values, matched exactly
     * @param alsoConsumeDefault  whether a request with a listed value also takes a token from the default bucket
     *                            (Envoy's {@code always_consume_default_token_bucket}, true when unset)
     */
    public record Descriptors(AsciiString header, Map<String, TokenBucket> byValue, boolean alsoConsumeDefault) {
        /** No descriptors: every request takes from the default bucket. */
        public static final Descriptors NONE = new Descriptors(null, Map.of(), true);

        public Descriptors {
            byValue = Map.copyOf(byValue);
            if (header == null ? !byValue.isEmpty() : header.isEmpty() || byValue.isEmpty()) {
                throw new IllegalArgumentException("descriptors need a header name and at least one value, got "
                        + header + " " + byValue.keySet());
            }
        }

        /** The bucket of the request's header value, null when it has none (or lacks the header). */
        public TokenBucket bucketOf(HttpHeaders headers) {
            if (header == null) {
                return null;
            }
            String value = headers.get(header);
            return value == null ? null : byValue.get(value);
        }

        boolean sameSettings(Descriptors other) {
            if (!Objects.equals(header, other.header) || alsoConsumeDefault != other.alsoConsumeDefault
                    || !byValue.keySet().equals(other.byValue.keySet())) {
                return false;
            }
            for (Map.Entry<String, TokenBucket> entry : byValue.entrySet()) {
                if (!entry.getValue().sameSettings(other.byValue.get(entry.getKey()))) {
                    return false;
                }
            }
            return true;
        }

        int settingsHash() {
            int hash = Objects.hash(header, alsoConsumeDefault);
            for (Map.Entry<String, TokenBucket> entry : byValue.entrySet()) {
                hash += entry.getKey().hashCode() ^ entry.getValue().settingsHash();
            }
            return hash;
        }
    }

    /** A policy without descriptors. */
    public LocalRateLimitPolicy(TokenBucket bucket, int enabledPerMillion, int enforcedPerMillion, int status,
                                List<Header> responseHeaders, boolean xRateLimitHeaders) {
        this(bucket, enabledPerMillion, enforcedPerMillion, status, responseHeaders, xRateLimitHeaders,
                Descriptors.NONE);
    }

    public LocalRateLimitPolicy {
        Objects.requireNonNull(bucket, "token bucket");
        Objects.requireNonNull(descriptors, "descriptors");
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
                && xRateLimitHeaders == that.xRateLimitHeaders
                && descriptors.sameSettings(that.descriptors);
    }

    @Override
    public int hashCode() {
        return Objects.hash(bucket.settingsHash(), enabledPerMillion, enforcedPerMillion, status, responseHeaders,
                xRateLimitHeaders, descriptors.settingsHash());
    }
}
