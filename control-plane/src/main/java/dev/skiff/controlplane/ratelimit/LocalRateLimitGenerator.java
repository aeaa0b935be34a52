package dev.skiff.controlplane.ratelimit;

import com.google.protobuf.Any;
import com.google.protobuf.UInt32Value;
import dev.skiff.api.policy.v1alpha1.Limit;
import dev.skiff.api.policy.v1alpha1.LimitedResponse;
import dev.skiff.api.policy.v1alpha1.LocalRateLimit;
import dev.skiff.controlplane.config.ConfigObject;
import dev.skiff.controlplane.model.Labels;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.core.v3.RuntimeFractionalPercent;
import io.envoyproxy.envoy.extensions.common.ratelimit.v3.XRateLimitHeadersRFCVersion;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import io.envoyproxy.envoy.type.v3.HttpStatus;
import io.envoyproxy.envoy.type.v3.TokenBucket;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Skiff's LocalRateLimit as the Envoy configuration Istio users write by hand in an EnvoyFilter: the HTTP filter
 * {@code envoy.filters.http.local_ratelimit} on the inbound connection manager with only a stats prefix, and each
 * limit's token bucket as the filter's {@code typed_per_filter_config} on the route it protects, enabled and
 * enforced for 100% of requests, with the limited status, the headers to add and DRAFT_VERSION_03
 * {@code x-ratelimit-*} headers.
 */
public final class LocalRateLimitGenerator {
    /** The Envoy HTTP filter name. */
    public static final String FILTER_NAME = "envoy.filters.http.local_ratelimit";
    /** The stats prefix Istio's examples use. */
    public static final String STAT_PREFIX = "http_local_rate_limiter";
    private static final int DEFAULT_STATUS = 429;
    private static final RuntimeFractionalPercent ALL = RuntimeFractionalPercent.newBuilder()
            .setDefaultValue(FractionalPercent.newBuilder().setNumerator(100)
                    .setDenominator(FractionalPercent.DenominatorType.HUNDRED))
            .build();

    /** One limit of one LocalRateLimit resource. */
    public record SelectedLimit(String namespace, String resource, Limit limit) {
    }

    private LocalRateLimitGenerator() {
    }

    /**
     * The limits that apply to a workload's inbound requests: those of its namespace's LocalRateLimit resources
     * whose selector is absent or matches its labels, ordered by resource name, then as listed.
     */
    public static List<SelectedLimit> forWorkload(Collection<ConfigObject> objects, String namespace,
                                                  Map<String, String> labels) {
        List<ConfigObject> sorted = new ArrayList<>(objects);
        sorted.sort(Comparator.comparing((ConfigObject object) -> object.key().name()));
        List<SelectedLimit> selected = new ArrayList<>();
        for (ConfigObject object : sorted) {
            if (!object.key().namespace().equals(namespace)) {
                continue;
            }
            LocalRateLimit spec = object.spec(LocalRateLimit.class);
            if (!Labels.matches(spec.getWorkloadSelector().getLabelsMap(), labels)) {
                continue;
            }
            for (Limit limit : spec.getLimitsList()) {
                selected.add(new SelectedLimit(namespace, object.key().name(), limit));
            }
        }
        return selected;
    }

    /**
     * The limit a workload's inbound route carries: the first of {@link #forWorkload} without a route scope, or null
     * when there is none. Envoy's filter holds one bucket per route, so later workload-wide limits of the same
     * workload are not applied (the docs say so).
     */
    public static Limit workloadWideLimit(Collection<ConfigObject> objects, String namespace,
                                          Map<String, String> labels) {
        for (SelectedLimit selected : forWorkload(objects, namespace, labels)) {
            if (selected.limit().getRoute().isEmpty()) {
                return selected.limit();
            }
        }
        return null;
    }

    /** The listener-level filter: a stats prefix only, the buckets are per route. */
    public static HttpFilter listenerFilter() {
        return HttpFilter.newBuilder()
                .setName(FILTER_NAME)
                .setTypedConfig(Any.pack(io.envoyproxy.envoy.extensions.filters.http.local_ratelimit.v3
                        .LocalRateLimit.newBuilder().setStatPrefix(STAT_PREFIX).build()))
                .build();
    }

    /** A limit as the filter's per-route configuration. */
    public static io.envoyproxy.envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit perRoute(
            Limit limit) {
        var bucket = limit.getTokenBucket();
        int tokensPerFill = bucket.getTokensPerFill() == 0 ? 1 : bucket.getTokensPerFill();
        var config = io.envoyproxy.envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit.newBuilder()
                .setStatPrefix(STAT_PREFIX)
                .setTokenBucket(TokenBucket.newBuilder()
                        .setMaxTokens(bucket.getMaxTokens())
                        .setTokensPerFill(UInt32Value.of(tokensPerFill))
                        .setFillInterval(bucket.getFillInterval()))
                .setFilterEnabled(ALL.toBuilder().setRuntimeKey("local_rate_limit_enabled"))
                .setFilterEnforced(ALL.toBuilder().setRuntimeKey("local_rate_limit_enforced"));
        LimitedResponse response = limit.getResponse();
        int status = response.getStatus() == 0 ? DEFAULT_STATUS : response.getStatus();
        if (status != DEFAULT_STATUS) {
            config.setStatus(HttpStatus.newBuilder().setCodeValue(status));
        }
        for (Map.Entry<String, String> header : new TreeMap<>(response.getHeadersMap()).entrySet()) {
            config.addResponseHeadersToAdd(HeaderValueOption.newBuilder()
                    .setHeader(HeaderValue.newBuilder().setKey(header.getKey()).setValue(header.getValue())));
        }
        if (!response.getDisableXRatelimitHeaders()) {
            config.setEnableXRatelimitHeaders(XRateLimitHeadersRFCVersion.DRAFT_VERSION_03);
        }
        return config.build();
    }

    /** {@link #perRoute} packed for a route's {@code typed_per_filter_config}. */
    public static Map<String, Any> typedPerFilterConfig(Limit limit) {
        return Map.of(FILTER_NAME, Any.pack(perRoute(limit)));
    }
}
