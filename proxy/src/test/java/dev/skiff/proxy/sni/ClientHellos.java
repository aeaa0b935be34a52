package dev.skiff.proxy.sni;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;

/** Real ClientHello records, as the JDK's SSLEngine writes them. */
public final class ClientHellos {
    private ClientHellos() {
    }

    /** The first flight of a JDK TLS client asking for {@code serverName} (none when null). */
    public static byte[] jdk(String serverName) throws Exception {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, null, null);
        SSLEngine engine = context.createSSLEngine();
        engine.setUseClientMode(true);
        if (serverName != null) {
            SSLParameters parameters = engine.getSSLParameters();
            parameters.setServerNames(List.of(new SNIHostName(serverName)));
            engine.setSSLParameters(parameters);
        }
        ByteBuffer out = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
        engine.beginHandshake();
        engine.wrap(ByteBuffer.allocate(0), out);
        out.flip();
        byte[] bytes = new byte[out.remaining()];
        out.get(bytes);
        return bytes;
    }

    /** The same handshake message split into records of at most {@code size} payload bytes. */
    static byte[] fragmented(byte[] record, int size) {
        byte[] message = Arrays.copyOfRange(record, 5, record.length);
        int records = (message.length + size - 1) / size;
        byte[] out = new byte[message.length + 5 * records];
        int at = 0;
        for (int offset = 0; offset < message.length; offset += size) {
            int length = Math.min(size, message.length - offset);
            out[at] = 0x16;
            out[at + 1] = record[1];
            out[at + 2] = record[2];
            out[at + 3] = (byte) (length >> 8);
            out[at + 4] = (byte) length;
            System.arraycopy(message, offset, out, at + 5, length);
            at += 5 + length;
        }
        return out;
    }
}
