package dev.skiff.proxy.xds.translate;

import com.google.protobuf.Duration;
import dev.skiff.proxy.model.RetryOn;
import dev.skiff.proxy.model.RetryPolicy;
import dev.skiff.proxy.model.RouteAction;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * The traffic policies on Envoy's {@code RouteAction}: {@code timeout} and {@code retry_policy}. Retry conditions
 * Skiff does not honour, host predicates other than previous-hosts and other retry fields reject the route.
 */
final class RoutePolicyTranslator {
    static final Set<String> ACTION_FIELDS = Set.of("timeout", "retry_policy");
    static final String PREVIOUS_HOSTS = "envoy.retry_host_predicates.previous_hosts";
    static final String PREVIOUS_HOSTS_TYPE =
            "type.googleapis.com/" + ExtensionTypes.PREVIOUS_HOSTS_PREDICATE.getFullName();

    private static final Set<String> RETRY_FIELDS = Set.of("retry_on", "num_retries", "per_try_timeout",
            "retriable_status_codes", "retry_host_predicate", "host_selection_retry_max_attempts", "retry_back_off");
    private static final Set<String> PREDICATE_FIELDS = Set.of("name", "typed_config");
    private static final Set<String> BACK_OFF_FIELDS = Set.of("base_interval", "max_interval");

    private RoutePolicyTranslator() {
    }

    static RouteAction apply(io.envoyproxy.envoy.config.route.v3.RouteAction proto, RouteAction action, String where)
            throws TranslationException {
        java.time.Duration timeout = proto.hasTimeout() ? duration(proto.getTimeout(), where + ": timeout") : null;
        RetryPolicy retries = proto.hasRetryPolicy()
                ? retryPolicy(proto.getRetryPolicy(), where + ": retry_policy") : null;
        if (timeout == null && retries == null) {
            return action;
        }
        return Messages.build(where, () -> action.withPolicies(timeout, retries));
    }

    /** A policy with {@code num_retries} 0 (or unset, which Envoy reads as 1) retries; 0 means none. */
    static RetryPolicy retryPolicy(io.envoyproxy.envoy.config.route.v3.RetryPolicy policy, String where)
            throws TranslationException {
        Messages.requireOnly(policy, where, RETRY_FIELDS, Set.of());
        int retries = policy.hasNumRetries() ? policy.getNumRetries().getValue() : 1;
        if (retries < 0) {
            throw new TranslationException(where + ": num_retries " + Integer.toUnsignedString(retries)
                    + " (expected: 0.." + Integer.MAX_VALUE + ")");
        }
        if (retries == 0) {
            return null;
        }
        Set<RetryOn> conditions = EnumSet.noneOf(RetryOn.class);
        for (String condition : policy.getRetryOn().split(",")) {
            String name = condition.trim();
            if (name.isEmpty()) {
                continue;
            }
            RetryOn retryOn = RetryOn.ofEnvoyName(name);
            if (retryOn == null) {
                List<String> known = new ArrayList<>();
                for (RetryOn value : RetryOn.values()) {
                    known.add(value.envoyName());
                }
                throw new TranslationException(where + ": retry_on '" + name + "' unsupported (expected: one of "
                        + String.join(", ", known) + ")");
            }
            conditions.add(retryOn);
        }
        boolean previousHosts = false;
        for (int i = 0; i < policy.getRetryHostPredicateCount(); i++) {
            var predicate = policy.getRetryHostPredicate(i);
            String predicateWhere = where + ": retry_host_predicate " + predicate.getName();
            Messages.requireOnly(predicate, predicateWhere, PREDICATE_FIELDS, Set.of());
            boolean known = predicate.hasTypedConfig()
                    ? predicate.getTypedConfig().getTypeUrl().equals(PREVIOUS_HOSTS_TYPE)
                    : predicate.getName().equals(PREVIOUS_HOSTS);
            if (!known) {
                throw new TranslationException(predicateWhere + ": unsupported (expected: " + PREVIOUS_HOSTS
                        + " with typed_config " + PREVIOUS_HOSTS_TYPE + ")");
            }
            previousHosts = true;
        }
        java.time.Duration perTry = policy.hasPerTryTimeout()
                ? duration(policy.getPerTryTimeout(), where + ": per_try_timeout") : null;
        java.time.Duration base = RetryPolicy.DEFAULT_BASE_INTERVAL;
        java.time.Duration max = null;
        if (policy.hasRetryBackOff()) {
            var backOff = policy.getRetryBackOff();
            Messages.requireOnly(backOff, where + ": retry_back_off", BACK_OFF_FIELDS, Set.of());
            if (!backOff.hasBaseInterval()) {
                throw new TranslationException(where + ": retry_back_off.base_interval missing (expected: > 0)");
            }
            base = duration(backOff.getBaseInterval(), where + ": retry_back_off.base_interval");
            if (backOff.hasMaxInterval()) {
                max = duration(backOff.getMaxInterval(), where + ": retry_back_off.max_interval");
            }
        }
        long hostAttempts = policy.getHostSelectionRetryMaxAttempts();
        int hostSelection = (int) Math.min(Math.max(1, hostAttempts), 100);
        boolean predicate = previousHosts;
        java.time.Duration baseInterval = base;
        java.time.Duration maxInterval = max;
        return Messages.build(where, () -> new RetryPolicy(retries, conditions,
                policy.getRetriableStatusCodesList(), perTry, predicate, hostSelection, baseInterval, maxInterval));
    }

    static java.time.Duration duration(Duration duration, String where) throws TranslationException {
        if (duration.getSeconds() < 0 || duration.getNanos() < 0 || duration.getNanos() > 999_999_999) {
            throw new TranslationException(where + ": " + duration.getSeconds() + "s " + duration.getNanos()
                    + "ns (expected: a non-negative duration)");
        }
        return java.time.Duration.ofSeconds(duration.getSeconds(), duration.getNanos());
    }
}
