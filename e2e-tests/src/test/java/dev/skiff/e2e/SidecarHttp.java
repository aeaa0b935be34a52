package dev.skiff.e2e;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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
}
