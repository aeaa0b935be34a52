package dev.skiff.proxy.xds.translate;

import com.google.protobuf.Any;
import dev.skiff.proxy.fallback.FallbackPolicy;
import dev.skiff.proxy.filter.FaultFilter;
import dev.skiff.proxy.model.FaultPolicy;
import dev.skiff.proxy.ratelimit.LocalRateLimitFilter;
import dev.skiff.proxy.route.CorsFilter;
import io.envoyproxy.envoy.extensions.filters.common.fault.v3.FaultDelay;
import io.envoyproxy.envoy.extensions.filters.http.cors.v3.Cors;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.FaultAbort;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import io.envoyproxy.envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.type.v3.FractionalPercent;

import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The HTTP filters Skiff runs before the router ({@link dev.skiff.proxy.filter.HttpFilterChain}): which of them an
 * HCM may list (with the empty listener-level config Istio gives them) and their per-route configurations
 * ({@code typed_per_filter_config}), translated into the records the filters read from
 * {@link dev.skiff.proxy.model.Route#filterConfigs()}.
 */
final class HttpFilterTranslator {
    /** The names of the filters an HCM may list before the router. */
    static final Set<String> LISTENER_FILTERS = Collections.unmodifiableSortedSet(
            new TreeSet<>(List.of(FaultFilter.NAME, LocalRateLimitFilter.NAME, CorsFilter.NAME)));

    private static final Set<String> FAULT_FIELDS = Set.of("delay", "abort");
    private static final Set<String> DELAY_FIELDS = Set.of("fixed_delay", "percentage");
    private static final Set<String> ABORT_FIELDS = Set.of("http_status", "grpc_status", "percentage");
    private static final Set<String> PERCENT_FIELDS = Set.of("numerator", "denominator");

    private HttpFilterTranslator() {
    }

    /**
     * Whether {@code filter} is one Skiff runs before the router; its listener-level config must be empty (the
     * policy lives on routes).
     */
    static boolean acceptsListenerFilter(HttpFilter filter, String where) throws TranslationException {
        if (TelemetryTranslator.isStatsFilter(filter)) {
            return true;
        }
        if (filter.hasTypedConfig() && filter.getTypedConfig().is(LocalRateLimit.class)) {
            LocalRateLimitTranslator.requireListenerLevel(
                    Messages.unpack(filter.getTypedConfig(), LocalRateLimit.class, where), where);
            return true;
        }
        if (filter.hasTypedConfig() && filter.getTypedConfig().is(Cors.class)) {
            CorsTranslator.requireListenerLevel(Messages.unpack(filter.getTypedConfig(), Cors.class, where), where);
            return true;
        }
        if (!filter.hasTypedConfig() || !filter.getTypedConfig().is(HTTPFault.class)) {
            return false;
        }
        HTTPFault fault = Messages.unpack(filter.getTypedConfig(), HTTPFault.class, where);
        if (!fault.equals(HTTPFault.getDefaultInstance())) {
            throw new TranslationException(where + ": listener-level fault configuration unsupported (expected: an"
                    + " empty HTTPFault, with the faults in the routes' typed_per_filter_config)");
        }
        return true;
    }

    /** Translates a route's {@code typed_per_filter_config}; a filter Skiff does not run rejects the route. */
    static Map<String, Object> perRoute(Map<String, Any> configs, String where) throws TranslationException {
        if (configs.isEmpty()) {
            return Map.of();
        }
        Map<String, Object> translated = new HashMap<>();
        for (Map.Entry<String, Any> entry : new TreeMap<>(configs).entrySet()) {
            String name = entry.getKey();
            String at = where + ": typed_per_filter_config " + name;
            if (name.equals(FaultFilter.NAME)) {
                translated.put(name, fault(Messages.unpack(entry.getValue(), HTTPFault.class, at), at));
            } else if (name.equals(FallbackPolicy.NAME)) {
                translated.put(name, FallbackTranslator.policy(entry.getValue(), at));
            } else if (name.equals(LocalRateLimitFilter.NAME)) {
                translated.put(name, LocalRateLimitTranslator.policy(
                        Messages.unpack(entry.getValue(), LocalRateLimit.class, at), at, System::nanoTime));
            } else if (name.equals(CorsFilter.NAME)) {
                translated.put(name, CorsTranslator.policy(Messages.unpack(entry.getValue(),
                        io.envoyproxy.envoy.extensions.filters.http.cors.v3.CorsPolicy.class, at), at));
            } else {
                throw new TranslationException(at + ": unsupported (expected: one of " + LISTENER_FILTERS + ")");
            }
        }
        return translated;
    }

    static FaultPolicy fault(HTTPFault fault, String where) throws TranslationException {
        Messages.requireOnly(fault, where, FAULT_FIELDS, Set.of());
        java.time.Duration delay = null;
        int delayShare = 0;
        if (fault.hasDelay()) {
            FaultDelay faultDelay = fault.getDelay();
            String at = where + ": delay";
            Messages.requireOnly(faultDelay, at, DELAY_FIELDS, Set.of());
            if (!faultDelay.hasFixedDelay()) {
                throw new TranslationException(at + ": no fixed_delay (expected: fixed_delay; header_delay is"
                        + " unsupported)");
            }
            delay = RoutePolicyTranslator.duration(faultDelay.getFixedDelay(), at + ": fixed_delay");
            delayShare = perMillion(faultDelay.getPercentage(), at + ": percentage");
        }
        int httpStatus = 0;
        int grpcStatus = -1;
        int abortShare = 0;
        if (fault.hasAbort()) {
            FaultAbort abort = fault.getAbort();
            String at = where + ": abort";
            Messages.requireOnly(abort, at, ABORT_FIELDS, Set.of());
            switch (abort.getErrorTypeCase()) {
                case HTTP_STATUS -> httpStatus = abort.getHttpStatus();
                case GRPC_STATUS -> grpcStatus = abort.getGrpcStatus();
                default -> throw new TranslationException(at + ": no http_status or grpc_status (expected: one of"
                        + " them; header_abort is unsupported)");
            }
            if (grpcStatus < -1) {
                throw new TranslationException(at + ": grpc_status " + Integer.toUnsignedString(grpcStatus)
                        + " (expected: 0.." + Integer.MAX_VALUE + ")");
            }
            abortShare = perMillion(abort.getPercentage(), at + ": percentage");
        }
        java.time.Duration fixedDelay = delay;
        int delayPerMillion = delayShare;
        int abortHttp = httpStatus;
        int abortGrpc = grpcStatus;
        int abortPerMillion = abortShare;
        return Messages.build(where, () -> new FaultPolicy(fixedDelay, delayPerMillion, abortHttp, abortGrpc,
                abortPerMillion));
    }

    /** A fractional percent as millionths, capped at 100% as Envoy caps it. */
    static int perMillion(FractionalPercent percent, String where) throws TranslationException {
        Messages.requireOnly(percent, where, PERCENT_FIELDS, Set.of());
        long numerator = Integer.toUnsignedLong(percent.getNumerator());
        long scaled = switch (percent.getDenominator()) {
            case HUNDRED -> numerator * 10_000;
            case TEN_THOUSAND -> numerator * 100;
            case MILLION -> numerator;
            default -> throw new TranslationException(where + ": denominator " + percent.getDenominator()
                    + " (expected: HUNDRED, TEN_THOUSAND or MILLION)");
        };
        return (int) Math.min(scaled, FaultPolicy.MILLION);
    }
}
