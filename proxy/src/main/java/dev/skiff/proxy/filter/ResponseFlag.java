package dev.skiff.proxy.filter;

/** Envoy's response flags: why a response is what it is, for access logs and metrics. */
public enum ResponseFlag {
    /** No route (or filter chain) matched the request. */
    NO_ROUTE_FOUND("NR"),
    /** The route's cluster does not exist. */
    NO_CLUSTER_FOUND("NC"),
    /** The cluster has no healthy endpoint. */
    NO_HEALTHY_UPSTREAM("UH"),
    /** Connecting to the upstream failed. */
    UPSTREAM_CONNECTION_FAILURE("UF"),
    /** The upstream connection closed before the response completed. */
    UPSTREAM_CONNECTION_TERMINATION("UC"),
    /** The downstream connection closed before the response completed. */
    DOWNSTREAM_CONNECTION_TERMINATION("DC"),
    /** The cluster's circuit breakers refused the request (too many connections, pending or active requests). */
    UPSTREAM_OVERFLOW("UO"),
    /** The route timeout (or the last attempt's per-try timeout) elapsed. */
    UPSTREAM_REQUEST_TIMEOUT("UT"),
    /** The last attempt failed in a retriable way but no retry was left. */
    UPSTREAM_RETRY_LIMIT_EXCEEDED("URX"),
    /** The fault filter delayed the request. */
    DELAY_INJECTED("DI"),
    /** The fault filter aborted the request. */
    FAULT_INJECTED("FI"),
    /** The local rate limit filter refused the request. */
    RATE_LIMITED("RL");

    private final String code;

    ResponseFlag(String code) {
        this.code = code;
    }

    /** The short code, e.g. {@code NR}. */
    public String code() {
        return code;
    }

    int bit() {
        return 1 << ordinal();
    }
}
