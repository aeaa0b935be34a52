package dev.skiff.proxy.upstream;

import java.nio.charset.StandardCharsets;

/**
 * XXH64, the hash Envoy uses for consistent-hash keys and ring entries, so that a header value lands on the same
 * ring position in every Skiff proxy and across restarts.
 */
public final class HashKeys {

    private static final long P1 = 0x9E3779B185EBCA87L;
    private static final long P2 = 0xC2B2AE3D27D4EB4FL;
    private static final long P3 = 0x165667B19E3779F9L;
    private static final long P4 = 0x85EBCA77C2B2AE63L;
    private static final long P5 = 0x27D4EB2F165667C5L;

    private HashKeys() {
    }

    /** XXH64 of the UTF-8 bytes of {@code text}, seed 0. */
    public static long hash(CharSequence text) {
        return xxHash64(text.toString().getBytes(StandardCharsets.UTF_8), 0);
    }

    /** XXH64 of {@code data} with {@code seed}. */
    public static long xxHash64(byte[] data, long seed) {
        int length = data.length;
        int offset = 0;
        long h;
        if (length >= 32) {
            long v1 = seed + P1 + P2;
            long v2 = seed + P2;
            long v3 = seed;
            long v4 = seed - P1;
            int limit = length - 32;
            do {
                v1 = round(v1, readLong(data, offset));
                v2 = round(v2, readLong(data, offset + 8));
                v3 = round(v3, readLong(data, offset + 16));
                v4 = round(v4, readLong(data, offset + 24));
                offset += 32;
            } while (offset <= limit);
            h = Long.rotateLeft(v1, 1) + Long.rotateLeft(v2, 7) + Long.rotateLeft(v3, 12) + Long.rotateLeft(v4, 18);
            h = mergeRound(h, v1);
            h = mergeRound(h, v2);
            h = mergeRound(h, v3);
            h = mergeRound(h, v4);
        } else {
            h = seed + P5;
        }
        h += length;
        while (offset + 8 <= length) {
            h ^= round(0, readLong(data, offset));
            h = Long.rotateLeft(h, 27) * P1 + P4;
            offset += 8;
        }
        if (offset + 4 <= length) {
            h ^= (readInt(data, offset) & 0xFFFFFFFFL) * P1;
            h = Long.rotateLeft(h, 23) * P2 + P3;
            offset += 4;
        }
        while (offset < length) {
            h ^= (data[offset] & 0xFFL) * P5;
            h = Long.rotateLeft(h, 11) * P1;
            offset++;
        }
        h ^= h >>> 33;
        h *= P2;
        h ^= h >>> 29;
        h *= P3;
        h ^= h >>> 32;
        return h;
    }

    private static long round(long acc, long input) {
        return Long.rotateLeft(acc + input * P2, 31) * P1;
    }

    private static long mergeRound(long acc, long value) {
        return (acc ^ round(0, value)) * P1 + P4;
    }

    private static long readLong(byte[] data, int at) {
        return (data[at] & 0xFFL) | (data[at + 1] & 0xFFL) << 8 | (data[at + 2] & 0xFFL) << 16
                | (data[at + 3] & 0xFFL) << 24 | (data[at + 4] & 0xFFL) << 32 | (data[at + 5] & 0xFFL) << 40
                | (data[at + 6] & 0xFFL) << 48 | (data[at + 7] & 0xFFL) << 56;
    }

    private static int readInt(byte[] data, int at) {
        return (data[at] & 0xFF) | (data[at + 1] & 0xFF) << 8 | (data[at + 2] & 0xFF) << 16
                | (data[at + 3] & 0xFF) << 24;
    }
}
