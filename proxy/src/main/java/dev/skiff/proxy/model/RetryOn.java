package dev.skiff.proxy.model;

/** Envoy's {@code retry_on} conditions (HTTP and gRPC) that Skiff honours. */
public enum RetryOn {
    /** Any 5xx, or no response at all (connect failure, reset, per-try timeout). */
    SERVER_ERROR("5xx"),
    /** 502, 503 or 504, or no response at all. */
    GATEWAY_ERROR("gateway-error"),
    /** The upstream went away before answering (disconnect, reset, per-try timeout). */
    RESET("reset"),
    /** The connection to the upstream could not be made. */
    CONNECT_FAILURE("connect-failure"),
    /** The upstream refused the HTTP/2 stream before processing it. */
    REFUSED_STREAM("refused-stream"),
    /** 409. */
    RETRIABLE_4XX("retriable-4xx"),
    /** A status listed in the policy's retriable status codes. */
    RETRIABLE_STATUS_CODES("retriable-status-codes"),
    /** gRPC status CANCELLED (1). */
    CANCELLED("cancelled"),
    /** gRPC status DEADLINE_EXCEEDED (4). */
    DEADLINE_EXCEEDED("deadline-exceeded"),
    /** gRPC status INTERNAL (13). */
    INTERNAL("internal"),
    /** gRPC status RESOURCE_EXHAUSTED (8). */
    RESOURCE_EXHAUSTED("resource-exhausted"),
    /** gRPC status UNAVAILABLE (14). */
    UNAVAILABLE("unavailable");

    private final String envoyName;

    RetryOn(String envoyName) {
        this.envoyName = envoyName;
    }

    /** The condition as Envoy spells it in {@code retry_on}. */
    public String envoyName() {
        return envoyName;
    }

    /** The condition of that Envoy name, or null when Skiff does not know it. */
    public static RetryOn ofEnvoyName(String name) {
        for (RetryOn value : values()) {
            if (value.envoyName.equals(name)) {
                return value;
            }
        }
        return null;
    }
}
