package dev.skiff.proxy.model;

import java.math.BigInteger;

/**
 * The sizes of a consistent-hash balancer's structure: the ring of {@link LbPolicy#RING_HASH} or the lookup table of
 * {@link LbPolicy#MAGLEV}.
 *
 * @param minimumRingSize fewest ring entries, {@code >= 1}
 * @param maximumRingSize most ring entries, {@code >= minimumRingSize}
 * @param tableSize       Maglev table size, a prime
 */
public record HashLbSpec(long minimumRingSize, long maximumRingSize, long tableSize) {

    /** Envoy's defaults: a ring of 1024 to 8M entries, a Maglev table of 65537. */
    public static final HashLbSpec DEFAULT = new HashLbSpec(1024, 8 * 1024 * 1024, 65537);

    /** The largest ring or table the proxy builds, to bound memory per event loop. */
    public static final long MAX_SIZE = 8 * 1024 * 1024;

    public HashLbSpec {
        if (minimumRingSize < 1 || maximumRingSize < minimumRingSize || maximumRingSize > MAX_SIZE) {
            throw new IllegalArgumentException("ring size: minimum " + minimumRingSize + ", maximum "
                    + maximumRingSize + " (expected: 1 <= minimum <= maximum <= " + MAX_SIZE + ")");
        }
        if (tableSize < 2 || tableSize > MAX_SIZE || !BigInteger.valueOf(tableSize).isProbablePrime(30)) {
            throw new IllegalArgumentException("maglev table size: " + tableSize + " (expected: a prime up to "
                    + MAX_SIZE + ")");
        }
    }
}
