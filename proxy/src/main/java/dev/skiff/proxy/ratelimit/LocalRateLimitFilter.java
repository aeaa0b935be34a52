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
 * enabled request takes a token from the route's bucket (shared by every event loop); when none is left and the
 * request is enforced, it is answered at once with the policy's status, body {@code local_rate_limited} and flag
 * RL, and never reaches the upstream. A request the filter is enabled for but not enforced on goes on (shadow
 * mode), as in Envoy.
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
        if (policy.bucket().tryAcquire() >= 0 || !picked(request, policy.enforcedPerMillion())) {
            return FilterStatus.CONTINUE;
        }
        request.sendLocalResponse(limited(request, policy), ResponseFlag.RATE_LIMITED);
        return FilterStatus.STOP;
    }

    private static FullHttpResponse limited(HttpFilterCallbacks request, LocalRateLimitPolicy policy) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.valueOf(policy.status()),
                Unpooled.wrappedBuffer(BODY_BYTES));
        HttpHeaders headers = response.headers();
        headers.set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.TEXT_PLAIN)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, BODY_BYTES.length);
        if (policy.xRateLimitHeaders()) {
            TokenBucket bucket = policy.bucket();
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
