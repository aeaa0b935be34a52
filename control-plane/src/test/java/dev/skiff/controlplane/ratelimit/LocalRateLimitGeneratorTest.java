package dev.skiff.controlplane.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Duration;
import dev.skiff.api.networking.v1alpha3.WorkloadSelector;
import dev.skiff.api.policy.v1alpha1.Limit;
import dev.skiff.api.policy.v1alpha1.LimitedResponse;
import dev.skiff.api.policy.v1alpha1.LocalRateLimit;
import dev.skiff.api.policy.v1alpha1.TokenBucket;
import dev.skiff.controlplane.config.ConfigKey;
import dev.skiff.controlplane.config.ConfigKind;
import dev.skiff.controlplane.config.ConfigObject;
import io.envoyproxy.envoy.extensions.common.ratelimit.v3.XRateLimitHeadersRFCVersion;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LocalRateLimitGeneratorTest {

    private static Limit limit(String name, int maxTokens, int perFill, Duration interval) {
        return Limit.newBuilder().setName(name).setTokenBucket(TokenBucket.newBuilder().setMaxTokens(maxTokens)
                .setTokensPerFill(perFill).setFillInterval(interval)).build();
    }

    private static ConfigObject object(String namespace, String name, LocalRateLimit spec) {
        return new ConfigObject(new ConfigKey(ConfigKind.LOCAL_RATE_LIMIT, namespace, name),
                "policy.skiff.dev/v1alpha1", Map.of(), Map.of(), spec, "test", 1);
    }

    @Test
    void generatesWhatIstioUsersWriteInAnEnvoyFilter() {
        var config = LocalRateLimitGenerator.perRoute(limit("all", 10, 10, Duration.newBuilder().setSeconds(1)
                .build()));

        assertThat(config.getStatPrefix()).isEqualTo("http_local_rate_limiter");
        assertThat(config.getTokenBucket().getMaxTokens()).isEqualTo(10);
        assertThat(config.getTokenBucket().getTokensPerFill().getValue()).isEqualTo(10);
        assertThat(config.getTokenBucket().getFillInterval().getSeconds()).isEqualTo(1);
        assertThat(config.getFilterEnabled().getDefaultValue().getNumerator()).isEqualTo(100);
        assertThat(config.getFilterEnabled().getDefaultValue().getDenominator())
                .isEqualTo(FractionalPercent.DenominatorType.HUNDRED);
        assertThat(config.getFilterEnforced().getDefaultValue().getNumerator()).isEqualTo(100);
        assertThat(config.hasStatus()).isFalse();
        assertThat(config.getResponseHeadersToAddList()).isEmpty();
        assertThat(config.getEnableXRatelimitHeaders()).isEqualTo(XRateLimitHeadersRFCVersion.DRAFT_VERSION_03);
    }

    @Test
    void mapsTheLimitedResponseAndDefaultsTokensPerFillToOne() {
        Limit limit = limit("a", 3, 0, Duration.newBuilder().setNanos(250_000_000).build()).toBuilder()
                .setResponse(LimitedResponse.newBuilder().setStatus(503).putHeaders("x-b", "2")
                        .putHeaders("x-a", "1").setDisableXRatelimitHeaders(true))
                .build();

        var config = LocalRateLimitGenerator.perRoute(limit);

        assertThat(config.getTokenBucket().getTokensPerFill().getValue()).isEqualTo(1);
        assertThat(config.getStatus().getCodeValue()).isEqualTo(503);
        assertThat(config.getResponseHeadersToAddList()).extracting(h -> h.getHeader().getKey() + "="
                + h.getHeader().getValue()).containsExactly("x-a=1", "x-b=2");
        assertThat(config.getEnableXRatelimitHeaders()).isEqualTo(XRateLimitHeadersRFCVersion.OFF);
        assertThat(LocalRateLimitGenerator.typedPerFilterConfig(limit))
                .containsOnlyKeys(LocalRateLimitGenerator.FILTER_NAME);
    }

    @Test
    void theListenerFilterCarriesOnlyTheStatsPrefix() throws Exception {
        HttpFilter filter = LocalRateLimitGenerator.listenerFilter();

        assertThat(filter.getName()).isEqualTo("envoy.filters.http.local_ratelimit");
        assertThat(filter.getTypedConfig().unpack(
                io.envoyproxy.envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit.class))
                .isEqualTo(io.envoyproxy.envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit
                        .newBuilder().setStatPrefix("http_local_rate_limiter").build());
    }

    @Test
    void selectsTheNamespacesResourcesWhoseSelectorMatches() {
        Duration second = Duration.newBuilder().setSeconds(1).build();
        ConfigObject everyone = object("default", "b-everyone", LocalRateLimit.newBuilder()
                .addLimits(limit("x", 1, 1, second)).addLimits(limit("y", 2, 1, second)).build());
        ConfigObject reviews = object("default", "a-reviews", LocalRateLimit.newBuilder()
                .setWorkloadSelector(WorkloadSelector.newBuilder().putLabels("app", "reviews"))
                .addLimits(limit("z", 3, 1, second)).build());
        ConfigObject elsewhere = object("other", "c", LocalRateLimit.newBuilder()
                .addLimits(limit("w", 4, 1, second)).build());
        List<ConfigObject> objects = List.of(everyone, reviews, elsewhere);

        assertThat(LocalRateLimitGenerator.forWorkload(objects, "default", Map.of("app", "reviews")))
                .extracting(s -> s.resource() + "/" + s.limit().getName())
                .containsExactly("a-reviews/z", "b-everyone/x", "b-everyone/y");
        assertThat(LocalRateLimitGenerator.forWorkload(objects, "default", Map.of("app", "ratings")))
                .extracting(s -> s.resource() + "/" + s.limit().getName())
                .containsExactly("b-everyone/x", "b-everyone/y");
        assertThat(LocalRateLimitGenerator.forWorkload(objects, "other", Map.of()))
                .extracting(s -> s.namespace() + "/" + s.resource() + "/" + s.limit().getName())
                .containsExactly("other/c/w");
    }
}
