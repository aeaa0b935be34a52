package dev.skiff.proxy.model;

/** How a cluster's balancer picks one of its endpoints. */
public enum LbPolicy {
    /** Smooth weighted round robin. */
    ROUND_ROBIN,
    /** Power of two choices over active requests, weights respected. */
    LEAST_REQUEST,
    /** A host drawn at random in proportion to its weight. */
    RANDOM,
    /** Consistent hashing over a ring of weighted host replicas (Envoy's ketama-style ring hash). */
    RING_HASH,
    /** Consistent hashing over a Maglev lookup table. */
    MAGLEV
}
