package dev.skiff.proxy.transport;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http2.HttpConversionUtil;
import io.netty.util.AsciiString;

import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.random.RandomGenerator;

/** The header changes the proxy makes on the way through, following Envoy. */
final class ProxyHeaders {

    static final AsciiString X_REQUEST_ID = AsciiString.cached("x-request-id");
    static final AsciiString X_FORWARDED_PROTO = AsciiString.cached("x-forwarded-proto");
    static final AsciiString PROXY_CONNECTION = AsciiString.cached("proxy-connection");
    private static final AsciiString HTTP = AsciiString.cached("http");
    /** The names of {@link HttpConversionUtil.ExtensionHeaderNames}, read once ({@code values()} copies its array). */
    private static final AsciiString[] HTTP2_EXTENSION_HEADERS = Arrays.stream(
            HttpConversionUtil.ExtensionHeaderNames.values()).map(HttpConversionUtil.ExtensionHeaderNames::text)
            .toArray(AsciiString[]::new);

    private ProxyHeaders() {
    }

    /** Whether the request asks to switch protocols in a way the proxy passes through (not h2c). */
    static boolean isUpgrade(HttpHeaders headers) {
        String upgrade = headers.get(HttpHeaderNames.UPGRADE);
        return upgrade != null && !upgrade.equalsIgnoreCase("h2c")
                && headers.containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true);
    }

    /**
     * Prepares a request head for the upstream: drops hop-by-hop headers (keeping an upgrade and {@code te: trailers}),
     * sets Host to the authority, adds {@code x-forwarded-proto} and {@code x-request-id} when absent; for an HTTP/2
     * upstream it names the scheme the HTTP object codec needs for {@code :scheme}.
     *
     * @return the request id
     */
    static String prepareRequest(HttpHeaders headers, String authority, boolean upgrade, boolean upstreamHttp2,
                                 RandomGenerator random) {
        removeHopByHop(headers, upgrade);
        removeHttp2Extensions(headers);
        if (upstreamHttp2) {
            headers.set(HttpConversionUtil.ExtensionHeaderNames.SCHEME.text(), HTTP);
        }
        String te = headers.get(HttpHeaderNames.TE);
        if (te != null && !te.equalsIgnoreCase("trailers")) {
            headers.remove(HttpHeaderNames.TE);
        }
        headers.set(HttpHeaderNames.HOST, authority);
        if (!headers.contains(X_FORWARDED_PROTO)) {
            headers.set(X_FORWARDED_PROTO, HTTP);
        }
        String requestId = headers.get(X_REQUEST_ID);
        if (requestId == null || requestId.isEmpty()) {
            requestId = newRequestId(random);
            headers.set(X_REQUEST_ID, requestId);
        }
        return requestId;
    }

    /** Drops hop-by-hop headers from a response head (keeping the upgrade of a 101). */
    static void prepareResponse(HttpHeaders headers, boolean upgrade) {
        removeHopByHop(headers, upgrade);
        removeHttp2Extensions(headers);
    }

    /** Drops the {@code x-http2-*} headers that carry HTTP/2 stream details through the HTTP object codec. */
    private static void removeHttp2Extensions(HttpHeaders headers) {
        for (AsciiString name : HTTP2_EXTENSION_HEADERS) {
            headers.remove(name);
        }
    }

    private static void removeHopByHop(HttpHeaders headers, boolean upgrade) {
        List<String> connection = headers.getAll(HttpHeaderNames.CONNECTION);
        for (String value : connection) {
            int start = 0;
            while (start < value.length()) {
                int comma = value.indexOf(',', start);
                int end = comma < 0 ? value.length() : comma;
                String token = value.substring(start, end).trim();
                if (!token.isEmpty() && !(upgrade && token.equalsIgnoreCase("upgrade"))
                        && !HttpHeaderNames.CONNECTION.contentEqualsIgnoreCase(token)
                        && !HttpHeaderNames.CONTENT_LENGTH.contentEqualsIgnoreCase(token)
                        && !HttpHeaderNames.TRANSFER_ENCODING.contentEqualsIgnoreCase(token)) {
                    headers.remove(token);
                }
                start = end + 1;
            }
        }
        headers.remove(HttpHeaderNames.CONNECTION);
        headers.remove(HttpHeaderNames.KEEP_ALIVE);
        headers.remove(PROXY_CONNECTION);
        if (upgrade) {
            headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
        } else {
            headers.remove(HttpHeaderNames.UPGRADE);
        }
    }

    /** A random (version 4) UUID from the event loop's generator. */
    static String newRequestId(RandomGenerator random) {
        long most = (random.nextLong() & 0xffffffffffff0fffL) | 0x0000000000004000L;
        long least = (random.nextLong() & 0x3fffffffffffffffL) | 0x8000000000000000L;
        return new UUID(most, least).toString();
    }
}
