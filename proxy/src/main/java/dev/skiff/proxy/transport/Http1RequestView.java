package dev.skiff.proxy.transport;

import dev.skiff.proxy.model.RequestHeadersView;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;

import java.util.List;

/**
 * An HTTP/1.1 request head as route matching sees it. The request target may be in proxy form
 * ({@code http://host:port/path}), origin form ({@code /path}, authority from Host) or authority form
 * ({@code host:port}, for CONNECT).
 */
final class Http1RequestView implements RequestHeadersView {

    private final HttpRequest request;
    private final String authority;
    private final String path;

    private Http1RequestView(HttpRequest request, String authority, String path) {
        this.request = request;
        this.authority = authority;
        this.path = path;
    }

    static Http1RequestView of(HttpRequest request) {
        String uri = request.uri();
        HttpHeaders headers = request.headers();
        if (request.method().equals(HttpMethod.CONNECT)) {
            return new Http1RequestView(request, uri, "");
        }
        int schemeEnd = uri.indexOf("://");
        if (schemeEnd > 0 && uri.charAt(0) != '/') {
            int authorityStart = schemeEnd + 3;
            int pathStart = authorityStart;
            while (pathStart < uri.length() && uri.charAt(pathStart) != '/' && uri.charAt(pathStart) != '?') {
                pathStart++;
            }
            String authority = uri.substring(authorityStart, pathStart);
            String path = pathStart == uri.length() ? "/" : uri.charAt(pathStart) == '?'
                    ? "/" + uri.substring(pathStart) : uri.substring(pathStart);
            return new Http1RequestView(request, authority, path);
        }
        String host = headers.get(HttpHeaderNames.HOST);
        return new Http1RequestView(request, host == null ? "" : host, uri.isEmpty() ? "/" : uri);
    }

    String authority() {
        return authority;
    }

    @Override
    public String path() {
        return path;
    }

    HttpRequest request() {
        return request;
    }

    /** The port of the authority, or {@code defaultPort} when it names none; -1 when the port is not a number. */
    static int port(String authority, int defaultPort) {
        int colon = authority.lastIndexOf(':');
        if (colon < 0 || authority.indexOf(']', colon) >= 0) {
            return defaultPort;
        }
        int port = 0;
        if (colon == authority.length() - 1 || authority.length() - colon > 6) {
            return -1;
        }
        for (int i = colon + 1; i < authority.length(); i++) {
            char c = authority.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            port = port * 10 + (c - '0');
        }
        return port <= 65535 ? port : -1;
    }

    /** The host part of an authority, without the port and IPv6 brackets. */
    static String host(String authority) {
        int colon = authority.lastIndexOf(':');
        String host = colon < 0 || authority.indexOf(']', colon) >= 0 ? authority : authority.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            return host.substring(1, host.length() - 1);
        }
        return host;
    }

    @Override
    public String header(String lowerCaseName) {
        if (!lowerCaseName.isEmpty() && lowerCaseName.charAt(0) == ':') {
            return switch (lowerCaseName) {
                case ":method" -> request.method().name();
                case ":authority" -> authority;
                case ":path" -> path;
                case ":scheme" -> "http";
                default -> null;
            };
        }
        HttpHeaders headers = request.headers();
        List<String> values = headers.getAll(lowerCaseName);
        if (values.isEmpty()) {
            return null;
        }
        return values.size() == 1 ? values.get(0) : String.join(",", values);
    }
}
