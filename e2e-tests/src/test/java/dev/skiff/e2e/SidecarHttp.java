package dev.skiff.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** Plain HTTP sent through a workload's sidecar, which the JDK client uses as its HTTP proxy. */
final class SidecarHttp {
    private SidecarHttp() {
    }

    /** A client whose requests go to the outbound port (15001) of the sidecar at {@code workloadAddress}. */
    static HttpClient through(String workloadAddress) {
        return HttpClient.newBuilder()
                .proxy(ProxySelector.of(new InetSocketAddress(workloadAddress, 15001)))
                .connectTimeout(Duration.ofSeconds(2))
                .build();
    }

    /** A request to {@code http://HOST:PORT/PATH}. */
    static HttpRequest.Builder request(String host, int port, String path, Duration timeout) {
        return HttpRequest.newBuilder(URI.create("http://" + host + ":" + port + path)).timeout(timeout);
    }

    /** A request to {@code http://HOST:PORT/PATH} with a header unless {@code headerValue} is null. */
    static HttpRequest.Builder request(String host, int port, String path, Duration timeout, String headerName,
                                       String headerValue) {
        HttpRequest.Builder request = request(host, port, path, timeout);
        if (headerValue != null) {
            request.header(headerName, headerValue);
        }
        return request;
    }

    /** Sends the request and reads the body as text. */
    static HttpResponse<String> send(HttpClient client, HttpRequest.Builder request)
            throws IOException, InterruptedException {
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /**
     * Opens a CONNECT tunnel to {@code host:port} through the sidecar at {@code workloadAddress}, sends
     * {@code message} (ASCII), finishes sending and returns everything that comes back until the tunnel closes.
     *
     * @throws IOException when the tunnel closes before its response head or answers other than 200
     */
    static String throughConnect(String workloadAddress, String host, int port, String message) throws IOException {
        try (Socket s = new Socket(workloadAddress, 15001)) {
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            String authority = host + ":" + port;
            out.write(("CONNECT " + authority + " HTTP/1.1\r\nHost: " + authority + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            StringBuilder head = new StringBuilder();
            while (!head.toString().endsWith("\r\n\r\n")) {
                int b = in.read();
                if (b < 0) {
                    throw new IOException("tunnel closed before its response head: " + head);
                }
                head.append((char) b);
            }
            if (!head.toString().startsWith("HTTP/1.1 200")) {
                throw new IOException("CONNECT " + authority + " answered " + head.toString().strip()
                        + " (expected: HTTP/1.1 200)");
            }
            out.write(message.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            s.shutdownOutput();
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        }
    }
}
