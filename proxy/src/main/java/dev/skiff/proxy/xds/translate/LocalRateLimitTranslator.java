package dev.skiff.proxy.xds.translate;

import dev.skiff.proxy.ratelimit.LocalRateLimitPolicy;
import dev.skiff.proxy.ratelimit.TokenBucket;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.core.v3.RuntimeFractionalPercent;
import io.envoyproxy.envoy.config.route.v3.RateLimit;
import io.envoyproxy.envoy.extensions.common.ratelimit.v3.LocalRateLimitDescriptor;
import io.envoyproxy.envoy.extensions.common.ratelimit.v3.RateLimitDescriptor;
import io.envoyproxy.envoy.extensions.common.ratelimit.v3.XRateLimitHeadersRFCVersion;
import io.envoyproxy.envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit;

import io.netty.util.AsciiString;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * Envoy's local rate limit HTTP filter config, as Istio users write it in an EnvoyFilter and Skiff's control plane
 * generates it, translated strictly into a {@link LocalRateLimitPolicy}. The listener-level config may only name
 * the stats prefix (the buckets live on the routes' {@code typed_per_filter_config}). Descriptors are served in the
 * shape of a bucket per value of one request header: the filter's {@code rate_limits} with one
 * {@code request_headers} action, and descriptors of one entry of its key; other actions, multi-entry descriptors,
 * per-connection buckets and the other request/response header options are rejected rather than silently ignored.
 */
final class LocalRateLimitTranslator {

    private static final Set<String> ROUTE_FIELDS = Set.of("token_bucket", "filter_enabled", "filter_enforced",
            "status", "response_headers_to_add", "enable_x_ratelimit_headers", "descriptors", "rate_limits",
            "always_consume_default_token_bucket");
    private static final Set<String> IGNORED = Set.of("stat_prefix");
    private static final Set<String> BUCKET_FIELDS = Set.of("max_tokens", "tokens_per_fill", "fill_interval");
    private static final Set<String> RUNTIME_PERCENT_FIELDS = Set.of("default_value");
    private static final Set<String> RUNTIME_KEY = Set.of("runtime_key");
    private static final Set<String> HEADER_OPTION_FIELDS = Set.of("header", "append_action");
    private static final Set<String> HEADER_FIELDS = Set.of("key", "value");
    private static final Set<String> RATE_LIMIT_FIELDS = Set.of("actions");
    private static final Set<String> ACTION_FIELDS = Set.of("request_headers");
    private static final Set<String> REQUEST_HEADERS_FIELDS = Set.of("header_name", "descriptor_key");
    private static final Set<String> DESCRIPTOR_FIELDS = Set.of("entries", "token_bucket");

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
        TokenBucket bucket = bucket(config.getTokenBucket(), where + ": token_bucket", nanoClock);
        LocalRateLimitPolicy.Descriptors descriptors = descriptors(config, where, nanoClock);
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
                xHeaders, descriptors));
    }

    private static TokenBucket bucket(io.envoyproxy.envoy.type.v3.TokenBucket proto, String where,
                                      LongSupplier nanoClock) throws TranslationException {
        Messages.requireOnly(proto, where, BUCKET_FIELDS, Set.of());
        long maxTokens = Integer.toUnsignedLong(proto.getMaxTokens());
        long tokensPerFill = proto.hasTokensPerFill() ? Integer.toUnsignedLong(proto.getTokensPerFill().getValue()) : 1;
        if (!proto.hasFillInterval()) {
            throw new TranslationException(where + ": no fill_interval (expected: a positive duration)");
        }
        Duration fillInterval = Durations.of(proto.getFillInterval(), where + ": fill_interval");
        return Messages.build(where, () -> new TokenBucket(maxTokens, tokensPerFill, fillInterval, nanoClock));
    }

    /**
     * The descriptor buckets: {@code rate_limits} with one {@code request_headers} action, and descriptors of one
     * entry whose key is that action's descriptor key, each value once.
     */
    private static LocalRateLimitPolicy.Descriptors descriptors(LocalRateLimit config, String where,
                                                                LongSupplier nanoClock) throws TranslationException {
        if (config.getRateLimitsCount() == 0 && config.getDescriptorsCount() == 0) {
            if (config.hasAlwaysConsumeDefaultTokenBucket()) {
                throw new TranslationException(where + ": always_consume_default_token_bucket without descriptors"
                        + " (expected: rate_limits and descriptors with it)");
            }
            return LocalRateLimitPolicy.Descriptors.NONE;
        }
        if (config.getRateLimitsCount() != 1 || config.getDescriptorsCount() == 0) {
            throw new TranslationException(where + ": " + config.getRateLimitsCount() + " rate_limits and "
                    + config.getDescriptorsCount() + " descriptors (expected: one rate_limits entry with a"
                    + " request_headers action, and at least one descriptor)");
        }
        RateLimit rateLimit = config.getRateLimits(0);
        String limitWhere = where + ": rate_limits[0]";
        Messages.requireOnly(rateLimit, limitWhere, RATE_LIMIT_FIELDS, Set.of());
        if (rateLimit.getActionsCount() != 1) {
            throw new TranslationException(limitWhere + ": " + rateLimit.getActionsCount() + " actions (expected:"
                    + " one request_headers action)");
        }
        RateLimit.Action action = rateLimit.getActions(0);
        Messages.requireOnly(action, limitWhere + ": actions[0]", ACTION_FIELDS, Set.of());
        RateLimit.Action.RequestHeaders requestHeaders = action.getRequestHeaders();
        String headersWhere = limitWhere + ": actions[0]: request_headers";
        Messages.requireOnly(requestHeaders, headersWhere, REQUEST_HEADERS_FIELDS, Set.of());
        String key = requestHeaders.getDescriptorKey();
        if (requestHeaders.getHeaderName().isEmpty() || key.isEmpty()
                || requestHeaders.getHeaderName().startsWith(":")) {
            throw new TranslationException(headersWhere + ": header_name \"" + requestHeaders.getHeaderName()
                    + "\", descriptor_key \"" + key + "\" (expected: a header name that is not a pseudo-header,"
                    + " and a descriptor key)");
        }
        Map<String, TokenBucket> byValue = new HashMap<>();
        for (int i = 0; i < config.getDescriptorsCount(); i++) {
            LocalRateLimitDescriptor descriptor = config.getDescriptors(i);
            String at = where + ": descriptors[" + i + "]";
            Messages.requireOnly(descriptor, at, DESCRIPTOR_FIELDS, Set.of());
            if (descriptor.getEntriesCount() != 1) {
                throw new TranslationException(at + ": " + descriptor.getEntriesCount() + " entries (expected: one"
                        + " entry, of key \"" + key + "\")");
            }
            RateLimitDescriptor.Entry entry = descriptor.getEntries(0);
            Messages.requireOnly(entry, at + ": entries[0]", HEADER_FIELDS, Set.of());
            if (!entry.getKey().equals(key) || entry.getValue().isEmpty()) {
                throw new TranslationException(at + ": entries[0]: key \"" + entry.getKey() + "\" value \""
                        + entry.getValue() + "\" (expected: key \"" + key + "\" and a non-empty value)");
            }
            if (!descriptor.hasTokenBucket()) {
                throw new TranslationException(at + ": no token_bucket (expected: the value's token bucket)");
            }
            TokenBucket bucket = bucket(descriptor.getTokenBucket(), at + ": token_bucket", nanoClock);
            if (byValue.putIfAbsent(entry.getValue(), bucket) != null) {
                throw new TranslationException(at + ": entries[0]: value \"" + entry.getValue() + "\" is listed"
                        + " by an earlier descriptor (expected: each value once)");
            }
        }
        boolean alsoDefault = !config.hasAlwaysConsumeDefaultTokenBucket()
                || config.getAlwaysConsumeDefaultTokenBucket().getValue();
        AsciiString header = AsciiString.of(requestHeaders.getHeaderName().toLowerCase(Locale.ROOT));
        return Messages.build(where, () -> new LocalRateLimitPolicy.Descriptors(header, byValue, alsoDefault));
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
