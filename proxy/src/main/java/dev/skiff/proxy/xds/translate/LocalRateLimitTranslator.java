package dev.skiff.proxy.xds.translate;

import dev.skiff.proxy.ratelimit.LocalRateLimitPolicy;
import dev.skiff.proxy.ratelimit.TokenBucket;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.core.v3.RuntimeFractionalPercent;
import io.envoyproxy.envoy.extensions.common.ratelimit.v3.XRateLimitHeadersRFCVersion;
import io.envoyproxy.envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * Envoy's local rate limit HTTP filter config, as Istio users write it in an EnvoyFilter and Skiff's control plane
 * generates it, translated strictly into a {@link LocalRateLimitPolicy}. The listener-level config may only name
 * the stats prefix (the buckets live on the routes' {@code typed_per_filter_config}); descriptors, per-connection
 * buckets and the other request/response header options are rejected rather than silently ignored.
 */
final class LocalRateLimitTranslator {

    private static final Set<String> ROUTE_FIELDS = Set.of("token_bucket", "filter_enabled", "filter_enforced",
            "status", "response_headers_to_add", "enable_x_ratelimit_headers");
    private static final Set<String> IGNORED = Set.of("stat_prefix");
    private static final Set<String> BUCKET_FIELDS = Set.of("max_tokens", "tokens_per_fill", "fill_interval");
    private static final Set<String> RUNTIME_PERCENT_FIELDS = Set.of("default_value");
    private static final Set<String> RUNTIME_KEY = Set.of("runtime_key");
    private static final Set<String> HEADER_OPTION_FIELDS = Set.of("header", "append_action");
    private static final Set<String> HEADER_FIELDS = Set.of("key", "value");

    private LocalRateLimitTranslator() {
    }

    /** Rejects a listener-level config that sets more than the stats prefix (the buckets belong on routes). */
    static void requireListenerLevel(LocalRateLimit config, String where) throws TranslationException {
        if (!config.getAllFields().keySet().stream().allMatch(f -> IGNORED.contains(f.getName()))
                || !config.getUnknownFields().asMap().isEmpty()) {
            throw new TranslationException(where + ": listener-level local rate limit configuration unsupported"
                    + " (expected: a LocalRateLimit with stat_prefix only, with the token buckets in the routes'"
                    + " typed_per_filter_config)");
        }
    }

    /** Translates a route's local rate limit; the bucket reads {@code nanoClock}. */
    static LocalRateLimitPolicy policy(LocalRateLimit config, String where, LongSupplier nanoClock)
            throws TranslationException {
        Messages.requireOnly(config, where, ROUTE_FIELDS, IGNORED);
        if (!config.hasTokenBucket()) {
            throw new TranslationException(where + ": no token_bucket (expected: a token bucket with max_tokens and"
                    + " fill_interval)");
        }
        io.envoyproxy.envoy.type.v3.TokenBucket proto = config.getTokenBucket();
        String bucketWhere = where + ": token_bucket";
        Messages.requireOnly(proto, bucketWhere, BUCKET_FIELDS, Set.of());
        long maxTokens = Integer.toUnsignedLong(proto.getMaxTokens());
        long tokensPerFill = proto.hasTokensPerFill() ? Integer.toUnsignedLong(proto.getTokensPerFill().getValue()) : 1;
        if (!proto.hasFillInterval()) {
            throw new TranslationException(bucketWhere + ": no fill_interval (expected: a positive duration)");
        }
        Duration fillInterval = Durations.of(proto.getFillInterval(), bucketWhere + ": fill_interval");
        TokenBucket bucket = Messages.build(bucketWhere, () -> new TokenBucket(maxTokens, tokensPerFill,
                fillInterval, nanoClock));
        int enabled = percent(config.hasFilterEnabled(), config.getFilterEnabled(), where + ": filter_enabled");
        int enforced = percent(config.hasFilterEnforced(), config.getFilterEnforced(), where + ": filter_enforced");
        int status = config.hasStatus() ? config.getStatus().getCodeValue() : LocalRateLimitPolicy.DEFAULT_STATUS;
        List<LocalRateLimitPolicy.Header> headers = new ArrayList<>();
        for (int i = 0; i < config.getResponseHeadersToAddCount(); i++) {
            headers.add(header(config.getResponseHeadersToAdd(i), where + ": response_headers_to_add[" + i + "]"));
        }
        boolean xHeaders = switch (config.getEnableXRatelimitHeaders()) {
            case OFF -> false;
            case DRAFT_VERSION_03 -> true;
            default -> throw new TranslationException(where + ": enable_x_ratelimit_headers "
                    + config.getEnableXRatelimitHeadersValue() + " (expected: OFF or DRAFT_VERSION_03)");
        };
        return Messages.build(where, () -> new LocalRateLimitPolicy(bucket, enabled, enforced, status, headers,
                xHeaders));
    }

    private static int percent(boolean present, RuntimeFractionalPercent percent, String where)
            throws TranslationException {
        if (!present) {
            return 0;
        }
        Messages.requireOnly(percent, where, RUNTIME_PERCENT_FIELDS, RUNTIME_KEY);
        return HttpFilterTranslator.perMillion(percent.getDefaultValue(), where + ": default_value");
    }

    private static LocalRateLimitPolicy.Header header(HeaderValueOption option, String where)
            throws TranslationException {
        Messages.requireOnly(option, where, HEADER_OPTION_FIELDS, Set.of());
        if (option.getAppendAction() != HeaderValueOption.HeaderAppendAction.APPEND_IF_EXISTS_OR_ADD) {
            throw new TranslationException(where + ": append_action " + option.getAppendAction()
                    + " unsupported (expected: APPEND_IF_EXISTS_OR_ADD)");
        }
        HeaderValue header = option.getHeader();
        Messages.requireOnly(header, where + ": header", HEADER_FIELDS, Set.of());
        return Messages.build(where, () -> new LocalRateLimitPolicy.Header(header.getKey(), header.getValue()));
    }
}
