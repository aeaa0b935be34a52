package dev.skiff.proxy.xds.translate;

import com.google.protobuf.Any;
import com.google.protobuf.UInt32Value;
import dev.skiff.proxy.ratelimit.LocalRateLimitFilter;
import dev.skiff.proxy.ratelimit.LocalRateLimitPolicy;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.core.v3.RuntimeFractionalPercent;
import io.envoyproxy.envoy.extensions.common.ratelimit.v3.LocalRateLimitDescriptor;
import io.envoyproxy.envoy.extensions.common.ratelimit.v3.RateLimitDescriptor;
import io.envoyproxy.envoy.config.route.v3.RateLimit;
import com.google.protobuf.BoolValue;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.envoyproxy.envoy.extensions.common.ratelimit.v3.XRateLimitHeadersRFCVersion;
import io.envoyproxy.envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import io.envoyproxy.envoy.type.v3.HttpStatus;
import io.envoyproxy.envoy.type.v3.StatusCode;
import io.envoyproxy.envoy.type.v3.TokenBucket;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LocalRateLimitTranslatorTest {

    private final AtomicLong now = new AtomicLong();

    static LocalRateLimit.Builder istioStyle() {
        RuntimeFractionalPercent hundred = RuntimeFractionalPercent.newBuilder()
                .setDefaultValue(FractionalPercent.newBuilder().setNumerator(100)
                        .setDenominator(FractionalPercent.DenominatorType.HUNDRED))
                .setRuntimeKey("local_rate_limit_enabled").build();
        return LocalRateLimit.newBuilder()
                .setStatPrefix("http_local_rate_limiter")
                .setTokenBucket(TokenBucket.newBuilder().setMaxTokens(10)
                        .setTokensPerFill(UInt32Value.of(5))
                        .setFillInterval(com.google.protobuf.Duration.newBuilder().setSeconds(1)))
                .setFilterEnabled(hundred)
                .setFilterEnforced(hundred)
                .addResponseHeadersToAdd(HeaderValueOption.newBuilder()
                        .setHeader(HeaderValue.newBuilder().setKey("x-local-rate-limit").setValue("true")))
                .setEnableXRatelimitHeaders(XRateLimitHeadersRFCVersion.DRAFT_VERSION_03);
    }

    @Test
    void translatesTheConfigIstioUsersWrite() throws Exception {
        LocalRateLimitPolicy policy = LocalRateLimitTranslator.policy(istioStyle().build(), "route r", now::get);

        assertThat(policy.bucket().maxTokens()).isEqualTo(10);
        assertThat(policy.enabledPerMillion()).isEqualTo(LocalRateLimitPolicy.MILLION);
        assertThat(policy.enforcedPerMillion()).isEqualTo(LocalRateLimitPolicy.MILLION);
        assertThat(policy.status()).isEqualTo(429);
        assertThat(policy.xRateLimitHeaders()).isTrue();
        assertThat(policy.responseHeaders()).containsExactly(
                new LocalRateLimitPolicy.Header("x-local-rate-limit", "true"));
        for (int i = 0; i < 10; i++) {
            assertThat(policy.bucket().tryAcquire()).isGreaterThanOrEqualTo(0);
        }
        assertThat(policy.bucket().tryAcquire()).isEqualTo(-1);
        now.addAndGet(1_000_000_000L);
        assertThat(policy.bucket().tryAcquire()).isEqualTo(4);
    }

    @Test
    void defaultsAreEnvoysFilterOffAndStatus429() throws Exception {
        LocalRateLimitPolicy policy = LocalRateLimitTranslator.policy(istioStyle().clearFilterEnabled()
                .clearFilterEnforced().clearEnableXRatelimitHeaders().build(), "route r", now::get);

        assertThat(policy.enabledPerMillion()).isZero();
        assertThat(policy.enforcedPerMillion()).isZero();
        assertThat(policy.xRateLimitHeaders()).isFalse();
    }

    @Test
    void takesTheConfiguredStatus() throws Exception {
        LocalRateLimitPolicy policy = LocalRateLimitTranslator.policy(istioStyle()
                .setStatus(HttpStatus.newBuilder().setCode(StatusCode.ServiceUnavailable)).build(), "route r",
                now::get);

        assertThat(policy.status()).isEqualTo(503);
    }

    @Test
    void rejectsWhatItWouldNotHonour() {
        assertThatThrownBy(() -> LocalRateLimitTranslator.policy(istioStyle().clearTokenBucket().build(), "route r",
                now::get)).hasMessageContaining("route r: no token_bucket");
        assertThatThrownBy(() -> LocalRateLimitTranslator.policy(istioStyle()
                .addDescriptors(LocalRateLimitDescriptor.getDefaultInstance()).build(), "route r", now::get))
                .hasMessageContaining("route r: 0 rate_limits and 1 descriptors (expected: one rate_limits entry");
        assertThatThrownBy(() -> LocalRateLimitTranslator.policy(byTenant().setRateLimits(0, RateLimit.newBuilder()
                .addActions(RateLimit.Action.newBuilder().setRemoteAddress(
                        RateLimit.Action.RemoteAddress.getDefaultInstance()))).build(), "route r", now::get))
                .hasMessageContaining("route r: rate_limits[0]: actions[0]: remote_address: unsupported");
        assertThatThrownBy(() -> LocalRateLimitTranslator.policy(byTenant().addDescriptors(descriptor("other",
                "gold", 1)).build(), "route r", now::get))
                .hasMessageContaining("descriptors[2]: entries[0]: key \"other\" value \"gold\" (expected: key"
                        + " \"x-tenant\"");
        assertThatThrownBy(() -> LocalRateLimitTranslator.policy(byTenant().addDescriptors(descriptor("x-tenant",
                "gold", 1)).build(), "route r", now::get))
                .hasMessageContaining("descriptors[2]: entries[0]: value \"gold\" is listed by an earlier descriptor");
        assertThatThrownBy(() -> LocalRateLimitTranslator.policy(istioStyle()
                .setLocalRateLimitPerDownstreamConnection(true).build(), "route r", now::get))
                .hasMessageContaining("local_rate_limit_per_downstream_connection: unsupported");
        assertThatThrownBy(() -> LocalRateLimitTranslator.policy(istioStyle()
                .setTokenBucket(TokenBucket.newBuilder().setMaxTokens(0)
                        .setFillInterval(com.google.protobuf.Duration.newBuilder().setSeconds(1))).build(),
                "route r", now::get)).hasMessageContaining("max_tokens must be between 1 and");
        assertThatThrownBy(() -> LocalRateLimitTranslator.policy(istioStyle()
                .setTokenBucket(TokenBucket.newBuilder().setMaxTokens(3)).build(), "route r", now::get))
                .hasMessageContaining("no fill_interval");
        assertThatThrownBy(() -> LocalRateLimitTranslator.policy(istioStyle()
                .setStatus(HttpStatus.newBuilder().setCode(StatusCode.OK)).build(), "route r", now::get))
                .hasMessageContaining("status 200 (expected: 400..599)");
    }

    @Test
    void listenerLevelMayOnlyNameTheStatsPrefixAndRoutesCarryTheBuckets() throws Exception {
        HttpFilter empty = HttpFilter.newBuilder().setName(LocalRateLimitFilter.NAME)
                .setTypedConfig(Any.pack(LocalRateLimit.newBuilder().setStatPrefix("http_local_rate_limiter")
                        .build())).build();
        HttpFilter full = empty.toBuilder().setTypedConfig(Any.pack(istioStyle().build())).build();

        assertThat(HttpFilterTranslator.acceptsListenerFilter(empty, "hcm")).isTrue();
        assertThatThrownBy(() -> HttpFilterTranslator.acceptsListenerFilter(full, "hcm"))
                .hasMessageContaining("listener-level local rate limit configuration unsupported");

        Map<String, Object> perRoute = HttpFilterTranslator.perRoute(
                Map.of(LocalRateLimitFilter.NAME, Any.pack(istioStyle().build())), "route r");
        assertThat(perRoute.get(LocalRateLimitFilter.NAME)).isInstanceOf(LocalRateLimitPolicy.class);
    }

    static LocalRateLimit.Builder byTenant() {
        return istioStyle()
                .addRateLimits(RateLimit.newBuilder().addActions(RateLimit.Action.newBuilder()
                        .setRequestHeaders(RateLimit.Action.RequestHeaders.newBuilder()
                                .setHeaderName("x-tenant").setDescriptorKey("x-tenant"))))
                .addDescriptors(descriptor("x-tenant", "gold", 3))
                .addDescriptors(descriptor("x-tenant", "free", 1))
                .setAlwaysConsumeDefaultTokenBucket(BoolValue.of(false));
    }

    private static LocalRateLimitDescriptor descriptor(String key, String value, int maxTokens) {
        return LocalRateLimitDescriptor.newBuilder()
                .addEntries(RateLimitDescriptor.Entry.newBuilder().setKey(key).setValue(value))
                .setTokenBucket(TokenBucket.newBuilder().setMaxTokens(maxTokens)
                        .setFillInterval(com.google.protobuf.Duration.newBuilder().setSeconds(1)))
                .build();
    }

    @Test
    void translatesHeaderDescriptorsIntoABucketPerValue() throws Exception {
        LocalRateLimitPolicy policy = LocalRateLimitTranslator.policy(byTenant().build(), "route r", now::get);

        LocalRateLimitPolicy.Descriptors descriptors = policy.descriptors();
        assertThat(descriptors.header().toString()).isEqualTo("x-tenant");
        assertThat(descriptors.alsoConsumeDefault()).isFalse();
        assertThat(descriptors.bucketOf(new DefaultHttpHeaders().add("X-Tenant", "gold")).maxTokens()).isEqualTo(3);
        assertThat(descriptors.bucketOf(new DefaultHttpHeaders().add("x-tenant", "free")).maxTokens()).isEqualTo(1);
        assertThat(descriptors.bucketOf(new DefaultHttpHeaders().add("x-tenant", "silver"))).isNull();
        assertThat(descriptors.bucketOf(new DefaultHttpHeaders())).isNull();
        assertThat(LocalRateLimitTranslator.policy(byTenant().clearAlwaysConsumeDefaultTokenBucket().build(),
                "route r", now::get).descriptors().alsoConsumeDefault()).isTrue();
        assertThat(LocalRateLimitTranslator.policy(byTenant().build(), "route r", now::get)).isEqualTo(policy)
                .isNotEqualTo(LocalRateLimitTranslator.policy(byTenant().setDescriptors(1,
                        descriptor("x-tenant", "free", 2)).build(), "route r", now::get));
    }
}
