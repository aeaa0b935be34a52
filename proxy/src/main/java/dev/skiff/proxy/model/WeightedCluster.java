package dev.skiff.proxy.model;

/**
 * One destination cluster of a route or TCP proxy with its relative weight.
 *
 * @param cluster the cluster name, e.g. {@code outbound|9080||reviews.default.svc.cluster.local}
 * @param weight  relative weight, {@code >= 0}; a single destination uses any positive weight
 * @param requestHeaders  request header changes applied when this destination is picked (before the route's)
 * @param responseHeaders response header changes applied when this destination is picked (before the route's)
 */
public record WeightedCluster(String cluster, int weight, HeaderMutations requestHeaders,
                              HeaderMutations responseHeaders) {

    public WeightedCluster {
        Validation.notBlank(cluster, "weighted cluster name");
        if (weight < 0) {
            throw new IllegalArgumentException("weight of cluster " + cluster + ": " + weight + " (expected: >= 0)");
        }
        requestHeaders = requestHeaders == null ? HeaderMutations.NONE : requestHeaders;
        responseHeaders = responseHeaders == null ? HeaderMutations.NONE : responseHeaders;
    }

    public WeightedCluster(String cluster, int weight) {
        this(cluster, weight, HeaderMutations.NONE, HeaderMutations.NONE);
    }

    /** Whether picking this destination changes headers. */
    public boolean mutatesHeaders() {
        return !requestHeaders.isEmpty() || !responseHeaders.isEmpty();
    }

    /** A single destination with weight 1. */
    public static WeightedCluster of(String cluster) {
        return new WeightedCluster(cluster, 1);
    }
}
