package dev.skiff.proxy.model;

import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * A route's retry policy (Envoy's {@code RetryPolicy}).
 *
 * @param numRetries             retries after the first attempt, at least 1
 * @param retryOn                the conditions that make an attempt retriable
 * @param retriableStatusCodes   the statuses {@link RetryOn#RETRIABLE_STATUS_CODES} covers
 * @param perTryTimeout          the time one attempt may take until its response head, null for none
 * @param previousHosts          whether a retry avoids the hosts already tried (previous-hosts predicate)
 * @param hostSelectionAttempts  how often to pick a host again when the pick was tried before (at least 1)
 * @param baseInterval           the backoff base; the n-th retry waits a random time below
 *                               {@code min(baseInterval * (2^n - 1), maxInterval)}
 * @param maxInterval            the backoff cap
 */
public record RetryPolicy(int numRetries, Set<RetryOn> retryOn, List<Integer> retriableStatusCodes,
                          Duration perTryTimeout, boolean previousHosts, int hostSelectionAttempts,
                          Duration baseInterval, Duration maxInterval) {

    /** Envoy's default backoff base. */
    public static final Duration DEFAULT_BASE_INTERVAL = Duration.ofMillis(25);

    public RetryPolicy {
        if (numRetries < 1) {
            throw new IllegalArgumentException("num_retries: " + numRetries + " (expected: >= 1)");
        }
        retryOn = retryOn.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(retryOn));
        retriableStatusCodes = List.copyOf(retriableStatusCodes);
        for (int code : retriableStatusCodes) {
            if (code < 100 || code > 599) {
                throw new IllegalArgumentException("retriable status code " + code + " (expected: 100..599)");
            }
        }
        if (perTryTimeout != null && (perTryTimeout.isNegative() || perTryTimeout.isZero())) {
            perTryTimeout = null;
        }
        if (hostSelectionAttempts < 1) {
            hostSelectionAttempts = 1;
        }
        Validation.notNull(baseInterval, "retry back-off base interval");
        if (baseInterval.isNegative() || baseInterval.isZero()) {
            throw new IllegalArgumentException("retry back-off base interval " + baseInterval + " (expected: > 0)");
        }
        maxInterval = maxInterval == null ? baseInterval.multipliedBy(10) : maxInterval;
        if (maxInterval.compareTo(baseInterval) < 0) {
            throw new IllegalArgumentException("retry back-off max interval " + maxInterval
                    + " (expected: >= the base interval " + baseInterval + ")");
        }
    }

    public boolean retriesOn(RetryOn condition) {
        return retryOn.contains(condition);
    }

    /** Whether {@code status} is one of the retriable status codes. */
    public boolean isRetriableStatus(int status) {
        for (int i = 0; i < retriableStatusCodes.size(); i++) {
            if (retriableStatusCodes.get(i) == status) {
                return true;
            }
        }
        return false;
    }
}
