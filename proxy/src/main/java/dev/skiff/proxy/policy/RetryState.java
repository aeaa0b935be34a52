package dev.skiff.proxy.policy;

import dev.skiff.proxy.model.RetryOn;
import dev.skiff.proxy.model.RetryPolicy;

import java.net.InetSocketAddress;
import java.util.random.RandomGenerator;

/**
 * The retry bookkeeping of one request under a {@link RetryPolicy}, as Envoy's router keeps it: which failures are
 * retriable, how many retries are left, how long to back off, and which hosts were tried already (for the
 * previous-hosts predicate). Used on the request's event loop only.
 */
public final class RetryState {

    /** How an attempt ended without a response head. */
    public enum Failure {
        /** The connection could not be made. */
        CONNECT_FAILURE,
        /** The upstream closed or reset the stream before the response head. */
        RESET,
        /** The upstream refused the stream (HTTP/2 REFUSED_STREAM). */
        REFUSED_STREAM,
        /** The attempt's per-try timeout elapsed before the response head. */
        PER_TRY_TIMEOUT
    }

    private static final int GRPC_CANCELLED = 1;
    private static final int GRPC_DEADLINE_EXCEEDED = 4;
    private static final int GRPC_RESOURCE_EXHAUSTED = 8;
    private static final int GRPC_INTERNAL = 13;
    private static final int GRPC_UNAVAILABLE = 14;

    private final RetryPolicy policy;
    private final InetSocketAddress[] tried;
    private int triedCount;
    private int retriesDone;

    public RetryState(RetryPolicy policy) {
        this.policy = policy;
        this.tried = new InetSocketAddress[policy.numRetries() + 1];
    }

    public RetryPolicy policy() {
        return policy;
    }

    /** Retries started so far. */
    public int retriesDone() {
        return retriesDone;
    }

    /** Whether another retry may start. */
    public boolean hasRetriesLeft() {
        return retriesDone < policy.numRetries();
    }

    /**
     * Whether a response head with this status (and {@code grpc-status}, or -1 when the head has none) is one the
     * policy retries on. Asked of every response of a route with a retry policy, before any state is made.
     */
    public static boolean isRetriable(RetryPolicy policy, int status, int grpcStatus) {
        if (policy.retriesOn(RetryOn.SERVER_ERROR) && status >= 500 && status <= 599) {
            return true;
        }
        if (policy.retriesOn(RetryOn.GATEWAY_ERROR) && (status == 502 || status == 503 || status == 504)) {
            return true;
        }
        if (policy.retriesOn(RetryOn.RETRIABLE_4XX) && status == 409) {
            return true;
        }
        if (policy.retriesOn(RetryOn.RETRIABLE_STATUS_CODES) && policy.isRetriableStatus(status)) {
            return true;
        }
        return switch (grpcStatus) {
            case GRPC_CANCELLED -> policy.retriesOn(RetryOn.CANCELLED);
            case GRPC_DEADLINE_EXCEEDED -> policy.retriesOn(RetryOn.DEADLINE_EXCEEDED);
            case GRPC_RESOURCE_EXHAUSTED -> policy.retriesOn(RetryOn.RESOURCE_EXHAUSTED);
            case GRPC_INTERNAL -> policy.retriesOn(RetryOn.INTERNAL);
            case GRPC_UNAVAILABLE -> policy.retriesOn(RetryOn.UNAVAILABLE);
            default -> false;
        };
    }

    /** Whether an attempt that ended this way without a response is one the policy retries. */
    public boolean isRetriable(Failure failure) {
        if (policy.retriesOn(RetryOn.SERVER_ERROR) || policy.retriesOn(RetryOn.GATEWAY_ERROR)
                || policy.retriesOn(RetryOn.RESET)) {
            return true;
        }
        return switch (failure) {
            case CONNECT_FAILURE -> policy.retriesOn(RetryOn.CONNECT_FAILURE);
            case REFUSED_STREAM -> policy.retriesOn(RetryOn.REFUSED_STREAM);
            case RESET, PER_TRY_TIMEOUT -> false;
        };
    }

    /**
     * Counts a retry and says how long to wait before it: Envoy's jittered exponential back-off, a random time
     * below {@code min(base * (2^n - 1), max)} for the n-th retry.
     *
     * @return the back-off in nanoseconds
     */
    public long startRetry(RandomGenerator random) {
        retriesDone++;
        long base = policy.baseInterval().toNanos();
        long max = policy.maxInterval().toNanos();
        long multiplier = retriesDone >= 62 ? Long.MAX_VALUE : (1L << retriesDone) - 1;
        long ceiling = multiplier > max / base ? max : Math.min(max, base * multiplier);
        return ceiling <= 0 ? 0 : random.nextLong(ceiling);
    }

    /** Records the host an attempt went to. */
    public void attempted(InetSocketAddress host) {
        if (triedCount < tried.length) {
            tried[triedCount++] = host;
        }
    }

    /**
     * Whether a host picked for a retry should be picked again: it was tried before and the previous-hosts
     * predicate is on.
     */
    public boolean rejectsHost(InetSocketAddress host) {
        if (!policy.previousHosts()) {
            return false;
        }
        for (int i = 0; i < triedCount; i++) {
            if (tried[i].equals(host)) {
                return true;
            }
        }
        return false;
    }

    /** How many picks a retry may make to find a host the predicate accepts. */
    public int hostSelectionAttempts() {
        return policy.hostSelectionAttempts();
    }
}
