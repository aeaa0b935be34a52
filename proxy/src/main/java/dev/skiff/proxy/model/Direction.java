package dev.skiff.proxy.model;

/** Which side of the workload a listener serves, as Envoy's {@code traffic_direction}. */
public enum Direction {
    /** Traffic from other workloads to the local application. */
    INBOUND,
    /** Traffic from the local application to other services. */
    OUTBOUND
}
