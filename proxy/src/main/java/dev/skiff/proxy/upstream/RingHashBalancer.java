package dev.skiff.proxy.upstream;

import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Envoy's ring hash: every host gets ring entries in proportion to its weight, at positions XXH64 gives its
 * {@code address:port_N} keys; a request hash picks the first entry at or after it, wrapping around. The ring is
 * scaled so the lightest host has at least one entry and the ring has between the minimum and maximum size.
 * Without a hash (no hash policy matched), a random position is used.
 */
public final class RingHashBalancer implements LoadBalancer {

    private final long[] positions;
    private final UpstreamHost[] owners;

    public RingHashBalancer(List<UpstreamHost> hosts, long minimumRingSize, long maximumRingSize) {
        if (hosts.isEmpty()) {
            positions = new long[0];
            owners = new UpstreamHost[0];
            return;
        }
        double totalWeight = 0;
        for (UpstreamHost host : hosts) {
            totalWeight += host.weight();
        }
        double minNormalized = 1;
        for (UpstreamHost host : hosts) {
            minNormalized = Math.min(minNormalized, host.weight() / totalWeight);
        }
        double scale = Math.min(Math.ceil(minNormalized * minimumRingSize) / minNormalized, maximumRingSize);
        int size = (int) Math.ceil(scale) + hosts.size();
        long[] hashes = new long[size];
        UpstreamHost[] hostsAt = new UpstreamHost[size];
        int count = 0;
        double target = 0;
        for (UpstreamHost host : hosts) {
            target += scale * host.weight() / totalWeight;
            String prefix = key(host.address()) + "_";
            for (int replica = 0; count < target && count < size; replica++) {
                hashes[count] = HashKeys.hash(prefix + replica);
                hostsAt[count] = host;
                count++;
            }
        }
        Integer[] order = new Integer[count];
        for (int i = 0; i < count; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Long.compareUnsigned(hashes[a], hashes[b]));
        positions = new long[count];
        owners = new UpstreamHost[count];
        for (int i = 0; i < count; i++) {
            positions[i] = hashes[order[i]];
            owners[i] = hostsAt[order[i]];
        }
    }

    static String key(InetSocketAddress address) {
        return address.getAddress().getHostAddress() + ":" + address.getPort();
    }

    /** How many entries the ring has. */
    public int size() {
        return positions.length;
    }

    @Override
    public UpstreamHost pick(RandomGenerator random) {
        return pick(random.nextLong(), random);
    }

    @Override
    public UpstreamHost pick(long hash, RandomGenerator random) {
        int n = positions.length;
        if (n == 0) {
            return null;
        }
        int low = 0;
        int high = n;
        while (low < high) {
            int mid = (low + high) >>> 1;
            if (Long.compareUnsigned(positions[mid], hash) < 0) {
                low = mid + 1;
            } else {
                high = mid;
            }
        }
        return owners[low == n ? 0 : low];
    }
}
