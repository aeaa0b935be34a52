package dev.skiff.proxy.model;

import java.time.Duration;
import java.util.List;

/**
 * What a matched route does: forward to one of its clusters, picked by weight per request.
 *
 * @param clusters    the destinations, at least one, with a positive total weight
 * @param timeout     the route timeout (from the end of the request until the response is complete), null or
 *                    zero for none
 * @param retryPolicy how failed attempts are retried, null for no retries
 * @param hashPolicies what gives the request's hash for consistent-hash balancers, in order; empty for none
 * @param mutations   path, authority and header changes of the request and the response
 * @param mirrors     where copies of the requests go, empty for none
 */
public record RouteAction(List<WeightedCluster> clusters, Duration timeout, RetryPolicy retryPolicy,
                          List<HashPolicy> hashPolicies, RouteMutations mutations, List<MirrorPolicy> mirrors) {

    public RouteAction {
        clusters = WeightedClusters.validate(clusters, "route action");
        if (timeout != null && timeout.isNegative()) {
            throw new IllegalArgumentException("route timeout " + timeout + " (expected: >= 0)");
        }
        timeout = timeout == null || timeout.isZero() ? null : timeout;
        hashPolicies = hashPolicies == null ? List.of() : List.copyOf(hashPolicies);
        mutations = mutations == null ? RouteMutations.NONE : mutations;
        mirrors = mirrors == null ? List.of() : List.copyOf(mirrors);
    }

    public RouteAction(List<WeightedCluster> clusters, Duration timeout, RetryPolicy retryPolicy,
                       List<HashPolicy> hashPolicies, RouteMutations mutations) {
        this(clusters, timeout, retryPolicy, hashPolicies, mutations, List.of());
    }

    public RouteAction(List<WeightedCluster> clusters, Duration timeout, RetryPolicy retryPolicy,
                       List<HashPolicy> hashPolicies) {
        this(clusters, timeout, retryPolicy, hashPolicies, RouteMutations.NONE);
    }

    public RouteAction(List<WeightedCluster> clusters, Duration timeout, RetryPolicy retryPolicy) {
        this(clusters, timeout, retryPolicy, List.of());
    }

    public RouteAction(List<WeightedCluster> clusters) {
        this(clusters, null, null);
    }

    /** Forward to a single cluster. */
    public static RouteAction cluster(String cluster) {
        return new RouteAction(List.of(WeightedCluster.of(cluster)));
    }

    /** The same destinations with a timeout and a retry policy. */
    public RouteAction withPolicies(Duration timeout, RetryPolicy retryPolicy) {
        return new RouteAction(clusters, timeout, retryPolicy, hashPolicies, mutations, mirrors);
    }

    /** The same action with request and response changes. */
    public RouteAction withMutations(RouteMutations changes) {
        return new RouteAction(clusters, timeout, retryPolicy, hashPolicies, changes, mirrors);
    }

    /** The same action with these hash policies. */
    public RouteAction withHashPolicies(List<HashPolicy> policies) {
        return new RouteAction(clusters, timeout, retryPolicy, policies, mutations, mirrors);
    }

    /** The same action with these request mirrors. */
    public RouteAction withMirrors(List<MirrorPolicy> policies) {
        return new RouteAction(clusters, timeout, retryPolicy, hashPolicies, mutations, policies);
    }

    /** The sum of the clusters' weights. */
    public int totalWeight() {
        return WeightedClusters.totalWeight(clusters);
    }
}
