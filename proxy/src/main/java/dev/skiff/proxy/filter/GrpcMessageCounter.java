package dev.skiff.proxy.filter;

import io.netty.buffer.ByteBuf;

/**
 * Counts the gRPC messages of one direction of a stream as its body goes by: each message is a 1-byte flag, a
 * 4-byte big-endian length and that many bytes; a message counts when its first byte is seen. Used on the
 * stream's event loop only.
 */
public final class GrpcMessageCounter {

    private static final int PREFIX = 5;

    private long messages;
    private int prefixSeen;
    private long length;
    private long remaining;

    /** Looks at the readable bytes of {@code body} without consuming them. */
    public void count(ByteBuf body) {
        int index = body.readerIndex();
        int end = body.writerIndex();
        while (index < end) {
            if (remaining > 0) {
                int skip = (int) Math.min(remaining, end - index);
                index += skip;
                remaining -= skip;
                continue;
            }
            if (prefixSeen == 0) {
                messages++;
                length = 0;
            } else {
                length = (length << 8) | (body.getByte(index) & 0xff);
            }
            index++;
            prefixSeen++;
            if (prefixSeen == PREFIX) {
                prefixSeen = 0;
                remaining = length;
            }
        }
    }

    /** Messages started so far. */
    public long messages() {
        return messages;
    }
}
