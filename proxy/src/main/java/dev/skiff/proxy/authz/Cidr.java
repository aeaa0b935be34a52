package dev.skiff.proxy.authz;

import java.util.Arrays;
import java.util.Objects;

/**
 * An address block: the network's address bytes (4 for IPv4, 16 for IPv6) and the prefix length.
 *
 * @param network the address bytes; bits beyond the prefix are ignored
 * @param prefix  the number of leading bits that must be equal
 */
public record Cidr(byte[] network, int prefix) {

    public Cidr {
        Objects.requireNonNull(network, "network");
        if (network.length != 4 && network.length != 16) {
            throw new IllegalArgumentException("network of " + network.length
                    + " bytes (expected: 4 for IPv4 or 16 for IPv6)");
        }
        if (prefix < 0 || prefix > network.length * 8) {
            throw new IllegalArgumentException("prefix length " + prefix + " (expected: 0 to "
                    + network.length * 8 + ")");
        }
        network = network.clone();
    }

    /** Whether the address (its bytes; null when unknown) lies in the block; IPv4 never matches IPv6 blocks. */
    public boolean contains(byte[] address) {
        if (address == null || address.length != network.length) {
            return false;
        }
        int full = prefix / 8;
        for (int i = 0; i < full; i++) {
            if (address[i] != network[i]) {
                return false;
            }
        }
        int rest = prefix % 8;
        if (rest == 0) {
            return true;
        }
        int mask = (0xFF << (8 - rest)) & 0xFF;
        return (address[full] & mask) == (network[full] & mask);
    }

    @Override
    public byte[] network() {
        return network.clone();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Cidr cidr && cidr.prefix == prefix && Arrays.equals(cidr.network, network);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(network) + prefix;
    }

    @Override
    public String toString() {
        return Arrays.toString(network) + "/" + prefix;
    }
}
