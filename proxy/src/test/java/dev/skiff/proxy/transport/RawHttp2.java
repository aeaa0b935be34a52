package dev.skiff.proxy.transport;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * HTTP/2 frames written and read by hand on a plain socket (prior knowledge, HPACK literals without indexing or
 * Huffman coding), for tests that need to see GOAWAYs and stream ends as they are sent.
 */
final class RawHttp2 {

    static final int DATA = 0x0;
    static final int HEADERS = 0x1;
    static final int RST_STREAM = 0x3;
    static final int SETTINGS = 0x4;
    static final int GOAWAY = 0x7;
    static final int END_STREAM = 0x1;
    static final int END_HEADERS = 0x4;

    private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    /** One frame as read. */
    record Frame(int type, int flags, int stream, byte[] payload) {
        boolean endsStream() {
            return (flags & END_STREAM) != 0;
        }

        String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }
    }

    private final OutputStream out;
    private final DataInputStream in;

    /** Sends the connection preface and an empty SETTINGS frame. */
    RawHttp2(Socket socket) throws IOException {
        this.out = socket.getOutputStream();
        this.in = new DataInputStream(socket.getInputStream());
        out.write(PREFACE);
        write(SETTINGS, 0, 0, new byte[0]);
    }

    void write(int type, int flags, int stream, byte[] payload) throws IOException {
        out.write(new byte[] {(byte) (payload.length >> 16), (byte) (payload.length >> 8), (byte) payload.length,
                (byte) type, (byte) flags, (byte) (stream >> 24), (byte) (stream >> 16), (byte) (stream >> 8),
                (byte) stream});
        out.write(payload);
        out.flush();
    }

    /** Opens {@code stream} with the given headers (pseudo-headers first), ending it when {@code end}. */
    void headers(int stream, boolean end, String... namesAndValues) throws IOException {
        ByteArrayOutputStream block = new ByteArrayOutputStream();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            block.write(0);
            block.write(namesAndValues[i].length());
            block.writeBytes(namesAndValues[i].getBytes(StandardCharsets.US_ASCII));
            block.write(namesAndValues[i + 1].length());
            block.writeBytes(namesAndValues[i + 1].getBytes(StandardCharsets.US_ASCII));
        }
        write(HEADERS, end ? END_HEADERS | END_STREAM : END_HEADERS, stream, block.toByteArray());
    }

    Frame read() throws IOException {
        int length = (in.readUnsignedByte() << 16) | (in.readUnsignedByte() << 8) | in.readUnsignedByte();
        int type = in.readUnsignedByte();
        int flags = in.readUnsignedByte();
        int stream = in.readInt() & 0x7fffffff;
        return new Frame(type, flags, stream, in.readNBytes(length));
    }

    /** Reads frames until one of that type and returns it. */
    Frame readUntil(int type) throws IOException {
        Frame frame;
        do {
            frame = read();
        } while (frame.type() != type);
        return frame;
    }

    /** Whether the server closed the connection (nothing more to read). */
    boolean closedByServer() throws IOException {
        return in.read() == -1;
    }
}
