package dev.skiff.proxy.ratelimit;

import dev.skiff.proxy.filter.FilterStatus;
import dev.skiff.proxy.filter.HttpFilter;
import dev.skiff.proxy.filter.HttpFilterCallbacks;
import dev.skiff.proxy.filter.ResponseFlag;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * Envoy's {@code envoy.filters.http.local_ratelimit} for routes that carry a {@link LocalRateLimitPolicy}: an
 * enabled request takes a token from the bucket of its descriptor (the value of the policy's header, when that
 * value has a bucket) and, unless it had one and the policy says otherwise, from the route's default bucket; the
 * buckets are shared by every event loop and lock-free. When a bucket is empty and the request is enforced, it is
 * answered at once with the policy's status, body {@code local_rate_limited}, the empty bucket's
 * {@code x-ratelimit-*} figures and flag RL, and never reaches the upstream. A request the filter is enabled for
 * but not enforced on goes on (shadow mode), as in Envoy.
 */
public final class LocalRateLimitFilter implements HttpFilter {

    public static final String NAME = "envoy.filters.http.local_ratelimit";
    static final String BODY = "local_rate_limited";
    private static final byte[] BODY_BYTES = BODY.getBytes(StandardCharsets.US_ASCII);

    static final AsciiString X_RATELIMIT_LIMIT = AsciiString.cached("x-ratelimit-limit");
    static final AsciiString X_RATELIMIT_REMAINING = AsciiString.cached("x-ratelimit-remaining");
    static final AsciiString X_RATELIMIT_RESET = AsciiString.cached("x-ratelimit-reset");
    private static final AsciiString ZERO = AsciiString.cached("0");

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public FilterStatus onRequest(HttpFilterCallbacks request) {
        LocalRateLimitPolicy policy = request.route().filterConfig(NAME, LocalRateLimitPolicy.class);
        if (policy == null || !picked(request, policy.enabledPerMillion())) {
            return FilterStatus.CONTINUE;
        }
        TokenBucket empty = emptyBucket(request, policy);
        if (empty == null || !picked(request, policy.enforcedPerMillion())) {
            return FilterStatus.CONTINUE;
        }
        request.sendLocalResponse(limited(policy, empty), ResponseFlag.RATE_LIMITED);
        return FilterStatus.STOP;
    }

    /**
     * Takes the request's tokens, descriptor bucket first as Envoy does (an empty descriptor bucket spares the
     * default one), and returns the bucket that had none left, or null when the request is admitted.
     */
    private static TokenBucket emptyBucket(HttpFilterCallbacks request, LocalRateLimitPolicy policy) {
        LocalRateLimitPolicy.Descriptors descriptors = policy.descriptors();
        TokenBucket matched = descriptors.bucketOf(request.request().headers());
        if (matched != null) {
            if (matched.tryAcquire() < 0) {
                return matched;
            }
            if (!descriptors.alsoConsumeDefault()) {
                return null;
            }
        }
        return policy.bucket().tryAcquire() < 0 ? policy.bucket() : null;
    }

    private static FullHttpResponse limited(LocalRateLimitPolicy policy, TokenBucket bucket) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.valueOf(policy.status()),
                Unpooled.wrappedBuffer(BODY_BYTES));
        HttpHeaders headers = response.headers();
        headers.set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.TEXT_PLAIN)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, BODY_BYTES.length);
        if (policy.xRateLimitHeaders()) {
            long resetSeconds = Math.max(1, TimeUnit.NANOSECONDS.toSeconds(bucket.nanosUntilNextFill()
                    + TimeUnit.SECONDS.toNanos(1) - 1));
            headers.set(X_RATELIMIT_LIMIT, Long.toString(bucket.maxTokens()))
                    .set(X_RATELIMIT_REMAINING, ZERO)
                    .set(X_RATELIMIT_RESET, Long.toString(resetSeconds));
        }
        for (LocalRateLimitPolicy.Header header : policy.responseHeaders()) {
            headers.add(header.name(), header.value());
        }
        return response;
    }

    private static boolean picked(HttpFilterCallbacks request, int perMillion) {
        return perMillion >= LocalRateLimitPolicy.MILLION
                || (perMillion > 0 && request.random().nextInt(LocalRateLimitPolicy.MILLION) < perMillion);
    }
}
