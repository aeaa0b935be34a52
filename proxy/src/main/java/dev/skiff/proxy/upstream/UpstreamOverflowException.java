package dev.skiff.proxy.upstream;

/**
 * A request refused by a cluster's circuit breakers (Envoy's overflow, response flag UO). Passed to
 * {@link ConnectCallback#onConnectFailed(Throwable)}; it carries no stack trace, being expected and frequent.
 */
public final class UpstreamOverflowException extends Exception {

    /** Refused because {@code max_requests} requests are in flight. */
    public static final UpstreamOverflowException MAX_REQUESTS =
            new UpstreamOverflowException("circuit breaker: max_requests reached");
    /** Refused because {@code max_pending_requests} requests already wait for a connection. */
    public static final UpstreamOverflowException MAX_PENDING_REQUESTS =
            new UpstreamOverflowException("circuit breaker: max_pending_requests reached");

    private UpstreamOverflowException(String message) {
        super(message, null, false, false);
    }
}
