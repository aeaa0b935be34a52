package dev.skiff.proxy.upstream;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Maglev consistent hashing as Envoy builds it: every host walks its own permutation of the table (offset and skip
 * from XXH64 of its address with seeds 0 and 1) and claims free slots in turns, heavier hosts more often, until the
 * table is full; a request hash picks the slot {@code hash mod size}. Without a hash, a random slot is used.
 */
public final class MaglevBalancer implements LoadBalancer {

    private final UpstreamHost[] table;

    public MaglevBalancer(List<UpstreamHost> hosts, long tableSize) {
        int size = (int) tableSize;
        table = new UpstreamHost[hosts.isEmpty() ? 0 : size];
        if (hosts.isEmpty()) {
            return;
        }
        int n = hosts.size();
        long[] offsets = new long[n];
        long[] skips = new long[n];
        long[] next = new long[n];
        double[] weights = new double[n];
        double[] targets = new double[n];
        double maxWeight = 0;
        double totalWeight = 0;
        for (UpstreamHost host : hosts) {
            totalWeight += host.weight();
        }
        for (int i = 0; i < n; i++) {
            byte[] key = RingHashBalancer.key(hosts.get(i).address()).getBytes(StandardCharsets.UTF_8);
            offsets[i] = Long.remainderUnsigned(HashKeys.xxHash64(key, 0), size);
            skips[i] = Long.remainderUnsigned(HashKeys.xxHash64(key, 1), size - 1) + 1;
            weights[i] = hosts.get(i).weight() / totalWeight;
            maxWeight = Math.max(maxWeight, weights[i]);
        }
        int filled = 0;
        for (long iteration = 0; filled < size; iteration++) {
            for (int i = 0; i < n && filled < size; i++) {
                if (iteration * weights[i] < targets[i]) {
                    continue;
                }
                targets[i] += maxWeight;
                int slot = (int) ((offsets[i] + skips[i] * next[i]) % size);
                while (table[slot] != null) {
                    next[i]++;
                    slot = (int) ((offsets[i] + skips[i] * next[i]) % size);
                }
                table[slot] = hosts.get(i);
                next[i]++;
                filled++;
            }
        }
    }

    @Override
    public UpstreamHost pick(RandomGenerator random) {
        return pick(random.nextLong(), random);
    }

    @Override
    public UpstreamHost pick(long hash, RandomGenerator random) {
        if (table.length == 0) {
            return null;
        }
        return table[(int) Long.remainderUnsigned(hash, table.length)];
    }
}
