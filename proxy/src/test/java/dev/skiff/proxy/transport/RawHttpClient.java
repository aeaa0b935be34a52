package dev.skiff.proxy.transport;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** A plain-socket HTTP/1.1 client for tests that need exact control over the bytes on the wire. */
final class RawHttpClient implements AutoCloseable {

    record Head(int status, Map<String, String> headers) {
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    record Response(int status, Map<String, String> headers, String body) {
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    RawHttpClient(InetSocketAddress address) {
        try {
            socket = new Socket();
            socket.connect(address, 5_000);
            socket.setSoTimeout(10_000);
            in = new BufferedInputStream(socket.getInputStream());
            out = socket.getOutputStream();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    RawHttpClient send(String text) {
        try {
            out.write(text.getBytes(StandardCharsets.UTF_8));
            out.flush();
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Sends one chunk of a chunked body. */
    RawHttpClient sendChunk(String data) {
        byte[] bytes = data.getBytes(StandardCharsets.UTF_8);
        return send(Integer.toHexString(bytes.length) + "\r\n" + data + "\r\n");
    }

    RawHttpClient sendLastChunk() {
        return send("0\r\n\r\n");
    }

    Head readHead() {
        String status = readLine();
        if (status == null) {
            throw new IllegalStateException("connection closed before a response (expected: a status line)");
        }
        String[] parts = status.split(" ", 3);
        Map<String, String> headers = new LinkedHashMap<>();
        String line;
        while ((line = readLine()) != null && !line.isEmpty()) {
            int colon = line.indexOf(':');
            headers.merge(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim(),
                    (a, b) -> a + "," + b);
        }
        return new Head(Integer.parseInt(parts[1]), headers);
    }

    /** Reads one chunk of a chunked body; null at the last chunk. */
    String readChunk() {
        String sizeLine = readLine();
        int size = Integer.parseInt(sizeLine.split(";")[0].trim(), 16);
        if (size == 0) {
            String trailer = readLine();
            while (trailer != null && !trailer.isEmpty()) {
                trailer = readLine();
            }
            return null;
        }
        String data = new String(readBytes(size), StandardCharsets.UTF_8);
        readLine();
        return data;
    }

    Response readResponse() {
        return readResponse(false);
    }

    Response readResponse(boolean headRequest) {
        Head head = readHead();
        String body;
        String length = head.header("content-length");
        if (headRequest || head.status() == 204 || head.status() == 304 || head.status() < 200) {
            body = "";
        } else if ("chunked".equalsIgnoreCase(head.header("transfer-encoding"))) {
            StringBuilder text = new StringBuilder();
            String chunk;
            while ((chunk = readChunk()) != null) {
                text.append(chunk);
            }
            body = text.toString();
        } else if (length != null) {
            body = new String(readBytes(Integer.parseInt(length)), StandardCharsets.UTF_8);
        } else {
            body = new String(readToEnd(), StandardCharsets.UTF_8);
        }
        return new Response(head.status(), head.headers(), body);
    }

    /** Whether the peer closed the connection (reads until end of stream or timeout). */
    boolean closedByPeer() {
        try {
            return in.read() < 0;
        } catch (IOException e) {
            return true;
        }
    }

    String readLine() {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        try {
            int b;
            while ((b = in.read()) >= 0) {
                if (b == '\n') {
                    byte[] bytes = line.toByteArray();
                    int len = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                    return new String(bytes, 0, len, StandardCharsets.UTF_8);
                }
                line.write(b);
            }
            return line.size() == 0 ? null : line.toString(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    byte[] readBytes(int count) {
        try {
            return in.readNBytes(count);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private byte[] readToEnd() {
        try {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
