package dev.skiff.proxy.ratelimit;

import dev.skiff.proxy.filter.FilterStatus;
import dev.skiff.proxy.filter.HttpFilterCallbacks;
import dev.skiff.proxy.filter.RequestContext;
import dev.skiff.proxy.filter.ResponseFlag;
import dev.skiff.proxy.model.Direction;
import dev.skiff.proxy.model.Route;
import dev.skiff.proxy.model.RouteAction;
import dev.skiff.proxy.model.RouteMatch;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ImmediateEventExecutor;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import io.netty.util.AsciiString;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.random.RandomGenerator;

import static org.assertj.core.api.Assertions.assertThat;

class LocalRateLimitFilterTest {

    private final AtomicLong now = new AtomicLong();
    private final LocalRateLimitFilter filter = new LocalRateLimitFilter();

    @Test
    void admitsTheBucketThenAnswersWithTheStatusHeadersAndFlag() {
        LocalRateLimitPolicy policy = new LocalRateLimitPolicy(
                new TokenBucket(2, 1, Duration.ofSeconds(1), now::get), LocalRateLimitPolicy.MILLION,
                LocalRateLimitPolicy.MILLION, 429, List.of(new LocalRateLimitPolicy.Header("x-limited", "yes")),
                true);
        Route route = route(policy);

        assertThat(run(route).status).isEqualTo(FilterStatus.CONTINUE);
        assertThat(run(route).status).isEqualTo(FilterStatus.CONTINUE);
        now.addAndGet(Duration.ofMillis(400).toNanos());
        Call limited = run(route);

        assertThat(limited.status).isEqualTo(FilterStatus.STOP);
        assertThat(limited.flag).isEqualTo(ResponseFlag.RATE_LIMITED);
        assertThat(limited.responseStatus).isEqualTo(429);
        assertThat(limited.body).isEqualTo("local_rate_limited");
        assertThat(limited.headers).containsEntry("x-ratelimit-limit", "2")
                .containsEntry("x-ratelimit-remaining", "0")
                .containsEntry("x-ratelimit-reset", "1")
                .containsEntry("x-limited", "yes");

        now.addAndGet(Duration.ofMillis(600).toNanos());
        assertThat(run(route).status).isEqualTo(FilterStatus.CONTINUE);
        assertThat(run(route).status).isEqualTo(FilterStatus.STOP);
    }

    @Test
    void withoutXRateLimitHeadersOnlyTheConfiguredOnesAreSent() {
        Route route = route(new LocalRateLimitPolicy(new TokenBucket(1, 1, Duration.ofMinutes(1), now::get),
                LocalRateLimitPolicy.MILLION, LocalRateLimitPolicy.MILLION, 503, List.of(), false));
        run(route);

        Call limited = run(route);

        assertThat(limited.responseStatus).isEqualTo(503);
        assertThat(limited.headers).doesNotContainKeys("x-ratelimit-limit", "x-ratelimit-remaining",
                "x-ratelimit-reset");
    }

    @Test
    void notEnforcedRequestsTakeTokensButGoOn() {
        TokenBucket bucket = new TokenBucket(1, 1, Duration.ofMinutes(1), now::get);
        Route route = route(new LocalRateLimitPolicy(bucket, LocalRateLimitPolicy.MILLION, 0, 429, List.of(),
                true));

        assertThat(run(route).status).isEqualTo(FilterStatus.CONTINUE);
        assertThat(run(route).status).isEqualTo(FilterStatus.CONTINUE);
        assertThat(bucket.tryAcquire()).isEqualTo(-1);
    }

    @Test
    void disabledOrAbsentPolicyLetsEverythingThrough() {
        TokenBucket bucket = new TokenBucket(1, 1, Duration.ofMinutes(1), now::get);
        Route disabled = route(new LocalRateLimitPolicy(bucket, 0, LocalRateLimitPolicy.MILLION, 429, List.of(),
                true));
        Route none = new Route("plain", RouteMatch.any(), RouteAction.cluster("c"));

        for (int i = 0; i < 5; i++) {
            assertThat(run(disabled).status).isEqualTo(FilterStatus.CONTINUE);
            assertThat(run(none).status).isEqualTo(FilterStatus.CONTINUE);
        }
        assertThat(bucket.tryAcquire()).isEqualTo(0);
    }

    private static Route route(LocalRateLimitPolicy policy) {
        return new Route("limited", RouteMatch.any(), RouteAction.cluster("c"),
                Map.of(LocalRateLimitFilter.NAME, policy));
    }

    private Call run(Route route) {
        return run(route, null);
    }

    private Call run(Route route, String tenant) {
        Call call = new Call(route);
        if (tenant != null) {
            call.request.headers().set("x-tenant", tenant);
        }
        call.status = filter.onRequest(call);
        return call;
    }

    private LocalRateLimitPolicy byTenant(boolean alsoConsumeDefault) {
        return new LocalRateLimitPolicy(new TokenBucket(2, 1, Duration.ofSeconds(1), now::get),
                LocalRateLimitPolicy.MILLION, LocalRateLimitPolicy.MILLION, 429, List.of(), true,
                new LocalRateLimitPolicy.Descriptors(AsciiString.of("x-tenant"), Map.of(
                        "gold", new TokenBucket(5, 1, Duration.ofSeconds(1), now::get),
                        "free", new TokenBucket(1, 1, Duration.ofSeconds(1), now::get)), alsoConsumeDefault));
    }

    @Test
    void eachListedHeaderValueHasItsOwnBucketAndTheRestShareTheDefault() {
        Route route = route(byTenant(false));

        assertThat(run(route, "free").status).isEqualTo(FilterStatus.CONTINUE);
        Call freeLimited = run(route, "free");
        assertThat(freeLimited.status).isEqualTo(FilterStatus.STOP);
        assertThat(freeLimited.headers).containsEntry("x-ratelimit-limit", "1");
        for (int i = 0; i < 5; i++) {
            assertThat(run(route, "gold").status).as("gold request %d", i).isEqualTo(FilterStatus.CONTINUE);
        }
        assertThat(run(route, "gold").status).isEqualTo(FilterStatus.STOP);
        assertThat(run(route, "silver").status).isEqualTo(FilterStatus.CONTINUE);
        assertThat(run(route).status).isEqualTo(FilterStatus.CONTINUE);
        Call defaultLimited = run(route, "bronze");
        assertThat(defaultLimited.status).isEqualTo(FilterStatus.STOP);
        assertThat(defaultLimited.headers).containsEntry("x-ratelimit-limit", "2");
    }

    @Test
    void alwaysConsumingTheDefaultBucketLimitsListedValuesByItToo() {
        Route route = route(byTenant(true));

        assertThat(run(route, "gold").status).isEqualTo(FilterStatus.CONTINUE);
        assertThat(run(route, "gold").status).isEqualTo(FilterStatus.CONTINUE);
        Call limited = run(route, "gold");
        assertThat(limited.status).isEqualTo(FilterStatus.STOP);
        assertThat(limited.headers).containsEntry("x-ratelimit-limit", "2");
    }

    @Test
    void bucketsHoldUnderConcurrentRequestsFromManyThreads() throws Exception {
        LocalRateLimitPolicy policy = new LocalRateLimitPolicy(
                new TokenBucket(300, 1, Duration.ofHours(1), now::get),
                LocalRateLimitPolicy.MILLION, LocalRateLimitPolicy.MILLION, 429, List.of(), false,
                new LocalRateLimitPolicy.Descriptors(AsciiString.of("x-tenant"), Map.of(
                        "gold", new TokenBucket(500, 1, Duration.ofHours(1), now::get),
                        "free", new TokenBucket(100, 1, Duration.ofHours(1), now::get)), false));
        Route route = route(policy);
        Map<String, AtomicInteger> admitted = new ConcurrentHashMap<>();
        List<String> tenants = List.of("gold", "free", "other");
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            threads.add(Thread.ofPlatform().start(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                for (int i = 0; i < 600; i++) {
                    String tenant = tenants.get(i % 3);
                    if (run(route, tenant).status == FilterStatus.CONTINUE) {
                        admitted.computeIfAbsent(tenant, k -> new AtomicInteger()).incrementAndGet();
                    }
                }
            }));
        }
        start.countDown();
        for (Thread thread : threads) {
            thread.join();
        }

        assertThat(admitted.get("gold")).hasValue(500);
        assertThat(admitted.get("free")).hasValue(100);
        assertThat(admitted.get("other")).hasValue(300);
    }

    private static final class Call implements HttpFilterCallbacks {
        private final Route route;
        private final HttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/");
        private final RequestContext context = new RequestContext("inbound", Direction.INBOUND, 0);
        private final RandomGenerator random = new SplittableRandom(7);
        FilterStatus status;
        ResponseFlag flag;
        int responseStatus;
        String body;
        Map<String, String> headers = Map.of();

        Call(Route route) {
            this.route = route;
        }

        @Override
        public HttpRequest request() {
            return request;
        }

        @Override
        public Route route() {
            return route;
        }

        @Override
        public RequestContext context() {
            return context;
        }

        @Override
        public RandomGenerator random() {
            return random;
        }

        @Override
        public EventExecutor executor() {
            return ImmediateEventExecutor.INSTANCE;
        }

        @Override
        public boolean isDone() {
            return flag != null;
        }

        @Override
        public void sendLocalReply(int status, String body, ResponseFlag flag) {
            this.responseStatus = status;
            this.body = body;
            this.flag = flag;
        }

        @Override
        public void sendLocalResponse(FullHttpResponse response, ResponseFlag flag) {
            try {
                this.responseStatus = response.status().code();
                this.body = response.content().toString(StandardCharsets.US_ASCII);
                java.util.Map<String, String> copy = new java.util.HashMap<>();
                response.headers().forEach(e -> copy.put(e.getKey(), e.getValue()));
                this.headers = copy;
                this.flag = flag;
            } finally {
                response.release();
            }
        }

        @Override
        public void resume() {
            throw new IllegalStateException("the rate limit filter never stops to resume");
        }
    }
}
