package dev.skiff.proxy.upstream;

/** The step of smooth weighted round robin over weights that may change between steps. */
final class SmoothWeightedRoundRobin {
    private SmoothWeightedRoundRobin() {
    }

    /**
     * Adds each weight to its running score, takes the index with the highest score and lowers that score by the
     * total weight.
     *
     * @return the chosen index
     */
    static int next(long[] weights, long[] scores, long totalWeight) {
        int best = 0;
        for (int i = 0; i < weights.length; i++) {
            scores[i] += weights[i];
            if (scores[i] > scores[best]) {
                best = i;
            }
        }
        scores[best] -= totalWeight;
        return best;
    }
}
