package dev.skiff.proxy.model;

/** How a cluster's balancer picks one of its endpoints. */
public enum LbPolicy {
    /** Smooth weighted round robin. */
    ROUND_ROBIN,
    /** Power of two choices over active requests, weights respected. */
    LEAST_REQUEST
}
