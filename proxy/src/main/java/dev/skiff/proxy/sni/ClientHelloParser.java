package dev.skiff.proxy.sni;

import io.netty.buffer.ByteBuf;

import java.util.Locale;

/**
 * Reads the server name (SNI, RFC 6066) from the TLS ClientHello at the start of a buffer without consuming it, as
 * Envoy's TLS inspector does. The ClientHello may span several handshake records; it is read up to
 * {@link #MAX_CLIENT_HELLO} bytes (Envoy's limit) and {@link #MAX_RECORDS} records.
 */
public final class ClientHelloParser {

    /** The largest ClientHello message read, as Envoy's TLS inspector bounds it. */
    public static final int MAX_CLIENT_HELLO = 64 * 1024;
    /** The most handshake records a ClientHello may be split across. */
    static final int MAX_RECORDS = 64;

    private static final int RECORD_HEADER = 5;
    private static final int MAX_RECORD = 16 * 1024;
    private static final int HANDSHAKE = 0x16;
    private static final int CLIENT_HELLO = 1;
    private static final int SERVER_NAME_EXTENSION = 0;
    private static final int HOST_NAME = 0;
    private static final int MAX_HOST_NAME = 255;

    /** What the first bytes of a connection say. */
    public sealed interface Result permits NeedMore, NotTls, TooLarge, ClientHello {
    }

    /** The ClientHello is not complete yet: read more bytes. */
    public record NeedMore() implements Result {
    }

    /** Not a TLS connection, or a TLS handshake that is not a well-formed ClientHello. */
    public record NotTls(String reason) implements Result {
    }

    /** The ClientHello is larger than {@link #MAX_CLIENT_HELLO} or split across too many records. */
    public record TooLarge() implements Result {
    }

    /**
     * A complete ClientHello.
     *
     * @param serverName the requested host name, lower case, or empty when the client sent none
     */
    public record ClientHello(String serverName) implements Result {
    }

    private static final NeedMore NEED_MORE = new NeedMore();
    private static final TooLarge TOO_LARGE = new TooLarge();

    private ClientHelloParser() {
    }

    /** Parses the bytes readable in {@code in}, leaving its indexes as they are. */
    public static Result parse(ByteBuf in) {
        int start = in.readerIndex();
        int end = in.writerIndex();
        if (end - start < 1) {
            return NEED_MORE;
        }
        if (in.getUnsignedByte(start) != HANDSHAKE) {
            return new NotTls("the first byte is not a TLS handshake record");
        }
        Records records = new Records(in);
        int offset = start;
        int messageLength = -1;
        while (messageLength < 0 || records.length < messageLength) {
            if (end - offset < RECORD_HEADER) {
                return NEED_MORE;
            }
            if (in.getUnsignedByte(offset) != HANDSHAKE) {
                return new NotTls("a record within the ClientHello is not a handshake record");
            }
            if (in.getUnsignedByte(offset + 1) != 3) {
                return new NotTls("record version " + in.getUnsignedByte(offset + 1) + "." + in.getUnsignedByte(
                        offset + 2) + " (expected: 3.x)");
            }
            int recordLength = in.getUnsignedShort(offset + 3);
            if (recordLength == 0 || recordLength > MAX_RECORD) {
                return new NotTls("record length " + recordLength + " (expected: 1.." + MAX_RECORD + ")");
            }
            if (records.count == MAX_RECORDS) {
                return TOO_LARGE;
            }
            int available = Math.min(recordLength, end - offset - RECORD_HEADER);
            records.add(offset + RECORD_HEADER, available);
            if (messageLength < 0 && records.length >= 4) {
                if (records.u8(0) != CLIENT_HELLO) {
                    return new NotTls("handshake message type " + records.u8(0) + " (expected: 1, ClientHello)");
                }
                messageLength = 4 + records.u24(1);
                if (messageLength > MAX_CLIENT_HELLO) {
                    return TOO_LARGE;
                }
            }
            if (available < recordLength) {
                return messageLength >= 0 && records.length >= messageLength ? parseHello(records, messageLength)
                        : NEED_MORE;
            }
            offset += RECORD_HEADER + recordLength;
        }
        return parseHello(records, messageLength);
    }

    private static Result parseHello(Records hello, int end) {
        int pos = 4 + 2 + 32;
        if (pos + 1 > end) {
            return new NotTls("ClientHello ends before its session id");
        }
        int sessionId = hello.u8(pos);
        if (sessionId > 32) {
            return new NotTls("session id of " + sessionId + " bytes (expected: at most 32)");
        }
        pos += 1 + sessionId;
        if (pos + 2 > end) {
            return new NotTls("ClientHello ends before its cipher suites");
        }
        int cipherSuites = hello.u16(pos);
        if (cipherSuites < 2 || cipherSuites % 2 != 0) {
            return new NotTls("cipher suites of " + cipherSuites + " bytes (expected: an even number, at least 2)");
        }
        pos += 2 + cipherSuites;
        if (pos + 1 > end) {
            return new NotTls("ClientHello ends before its compression methods");
        }
        int compression = hello.u8(pos);
        if (compression < 1) {
            return new NotTls("no compression methods (expected: at least one)");
        }
        pos += 1 + compression;
        if (pos > end) {
            return new NotTls("ClientHello ends within its compression methods");
        }
        if (pos == end) {
            return new ClientHello("");
        }
        if (pos + 2 > end) {
            return new NotTls("ClientHello ends within its extensions length");
        }
        int extensionsEnd = pos + 2 + hello.u16(pos);
        if (extensionsEnd != end) {
            return new NotTls("extensions end at " + extensionsEnd + " (expected: the message end, " + end + ")");
        }
        pos += 2;
        String serverName = "";
        while (pos < extensionsEnd) {
            if (pos + 4 > extensionsEnd) {
                return new NotTls("an extension header runs past the extensions");
            }
            int type = hello.u16(pos);
            int length = hello.u16(pos + 2);
            pos += 4;
            if (pos + length > extensionsEnd) {
                return new NotTls("extension " + type + " runs past the extensions");
            }
            if (type == SERVER_NAME_EXTENSION) {
                Object name = serverName(hello, pos, pos + length);
                if (name instanceof NotTls malformed) {
                    return malformed;
                }
                serverName = (String) name;
            }
            pos += length;
        }
        return new ClientHello(serverName);
    }

    /** The first host_name of a server_name extension: a String, or NotTls when the extension is malformed. */
    private static Object serverName(Records hello, int pos, int end) {
        if (pos + 2 > end || pos + 2 + hello.u16(pos) != end) {
            return new NotTls("server_name list length does not fit its extension");
        }
        pos += 2;
        while (pos < end) {
            if (pos + 3 > end) {
                return new NotTls("a server_name entry runs past its extension");
            }
            int nameType = hello.u8(pos);
            int length = hello.u16(pos + 1);
            pos += 3;
            if (pos + length > end) {
                return new NotTls("a server_name entry runs past its extension");
            }
            if (nameType == HOST_NAME) {
                if (length == 0 || length > MAX_HOST_NAME) {
                    return new NotTls("host_name of " + length + " bytes (expected: 1.." + MAX_HOST_NAME + ")");
                }
                char[] name = new char[length];
                for (int i = 0; i < length; i++) {
                    int c = hello.u8(pos + i);
                    if (c <= 0x20 || c >= 0x7f) {
                        return new NotTls("host_name has byte " + c + " (expected: printable ASCII)");
                    }
                    name[i] = (char) c;
                }
                return new String(name).toLowerCase(Locale.ROOT);
            }
            pos += length;
        }
        return "";
    }

    /** The payloads of the handshake records read so far, addressed as one run of bytes. */
    private static final class Records {
        private final ByteBuf buf;
        private final int[] starts = new int[MAX_RECORDS];
        private final int[] lengths = new int[MAX_RECORDS];
        private int count;
        private int length;

        Records(ByteBuf buf) {
            this.buf = buf;
        }

        void add(int start, int bytes) {
            starts[count] = start;
            lengths[count] = bytes;
            count++;
            length += bytes;
        }

        int u8(int offset) {
            int remaining = offset;
            for (int i = 0; i < count; i++) {
                if (remaining < lengths[i]) {
                    return buf.getUnsignedByte(starts[i] + remaining);
                }
                remaining -= lengths[i];
            }
            throw new IndexOutOfBoundsException("offset " + offset + " past " + length + " handshake bytes");
        }

        int u16(int offset) {
            return u8(offset) << 8 | u8(offset + 1);
        }

        int u24(int offset) {
            return u8(offset) << 16 | u8(offset + 1) << 8 | u8(offset + 2);
        }
    }
}
