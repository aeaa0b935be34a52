package dev.skiff.proxy.model;

/**
 * A request mirror (Envoy's {@code request_mirror_policies}): a share of a route's requests is copied, fire and
 * forget, to another cluster, whose answers are dropped.
 *
 * @param cluster           the cluster the copies go to
 * @param perMillion        the share of requests copied, in millionths (0..1,000,000)
 * @param shadowHostSuffix  whether the copy's authority gets Envoy's {@code -shadow} suffix
 */
public record MirrorPolicy(String cluster, int perMillion, boolean shadowHostSuffix) {

    public static final int MILLION = 1_000_000;

    public MirrorPolicy {
        Validation.notBlank(cluster, "mirror cluster");
        if (perMillion < 0 || perMillion > MILLION) {
            throw new IllegalArgumentException("mirror share of " + cluster + ": " + perMillion
                    + " per million (expected: 0.." + MILLION + ")");
        }
    }
}
