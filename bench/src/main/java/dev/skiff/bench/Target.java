package dev.skiff.bench;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;

/**
 * Where requests go and how they are written. Either plain ({@code GET /path} with a {@code Host} header, sent to the
 * URL's own loopback address) or proxy form ({@code GET http://host:port/path}, sent to a loopback HTTP proxy such as
 * a Skiff sidecar's outbound listener; the URL's host is then a name the proxy routes and is not resolved here).
 *
 * @param url     the http URL requested
 * @param connect the loopback address connections are opened to
 * @param viaProxy true when requests are written in proxy form to {@code connect}
 */
record Target(URI url, InetSocketAddress connect, boolean viaProxy) {

    /**
     * Builds a target from the {@code --url} and optional {@code --proxy HOST:PORT} options, refusing any address
     * that is not loopback.
     */
    static Target of(String url, String proxy) {
        URI uri = parseUrl(url);
        if (proxy == null) {
            InetAddress address = LoopbackGuard.requireLoopback("--url", uri.getHost());
            return new Target(uri, new InetSocketAddress(address, port(uri)), false);
        }
        if (LoopbackGuard.isIpLiteral(uri.getHost())) {
            LoopbackGuard.requireLoopback("--url", uri.getHost());
        }
        return new Target(uri, parseHostPort("--proxy", proxy), true);
    }

    /** The complete HTTP/1.1 request, the same bytes for every request of a run. */
    byte[] requestBytes() {
        String path = url.getRawPath() == null || url.getRawPath().isEmpty() ? "/" : url.getRawPath();
        if (url.getRawQuery() != null) {
            path = path + "?" + url.getRawQuery();
        }
        String authority = url.getPort() == -1 ? url.getHost() : url.getHost() + ":" + url.getPort();
        String requestTarget = viaProxy ? "http://" + authority + path : path;
        String text = "GET " + requestTarget + " HTTP/1.1\r\n"
                + "Host: " + authority + "\r\n"
                + "User-Agent: skiff-bench\r\n"
                + "Accept: */*\r\n"
                + "\r\n";
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    /** How the target is described in output: {@code http://127.0.0.1:8080/} or {@code ... via proxy 127.0.0.1:15001}. */
    String describe() {
        String hostPort = connect.getAddress().getHostAddress() + ":" + connect.getPort();
        return viaProxy ? url + " via proxy " + hostPort : url.toString();
    }

    private static URI parseUrl(String url) {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("--url: '" + url + "' is not a valid URL (" + e.getReason()
                    + "; expected e.g. http://127.0.0.1:8080/)");
        }
        if (!"http".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null) {
            throw new IllegalArgumentException("--url: '" + url + "' (expected an http URL with a host, e.g. http://127.0.0.1:8080/)");
        }
        return uri;
    }

    private static int port(URI uri) {
        return uri.getPort() == -1 ? 80 : uri.getPort();
    }

    static InetSocketAddress parseHostPort(String option, String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        if (colon <= 0 || colon == hostPort.length() - 1) {
            throw new IllegalArgumentException(option + ": '" + hostPort + "' (expected HOST:PORT, e.g. 127.0.0.1:15001)");
        }
        String host = hostPort.substring(0, colon);
        int port;
        try {
            port = Integer.parseInt(hostPort.substring(colon + 1));
        } catch (NumberFormatException e) {
            port = -1;
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException(option + ": '" + hostPort + "' has an invalid port (expected 1-65535)");
        }
        return new InetSocketAddress(LoopbackGuard.requireLoopback(option, host), port);
    }
}
