package dev.skiff.proxy.telemetry.tracing;

import dev.skiff.proxy.filter.RequestContext;
import dev.skiff.proxy.model.Direction;
import dev.skiff.proxy.telemetry.TracingPolicy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * What every exporter reports about a span's request, whatever its format: the operation name, the remote peer and
 * the tags Envoy's tracers set for an HTTP request in an Istio mesh (Zipkin tags, OTLP attributes).
 */
public final class SpanTags {

    /** Takes one tag. */
    @FunctionalInterface
    public interface Sink<E extends Exception> {
        void tag(String name, String value) throws E;
    }

    private SpanTags() {
    }

    /** The operation name Istio gives a route: {@code <authority>/*}. */
    public static String name(RequestContext request) {
        return request.authority().isEmpty() ? request.listenerName() : request.authority() + "/*";
    }

    /** The other side: the upstream host for a client span, the downstream peer for a server span; may be null. */
    public static InetSocketAddress remote(RequestContext request) {
        return request.direction() == Direction.OUTBOUND ? request.upstreamHost() : request.downstreamRemoteAddress();
    }

    /** Whether the request failed as Envoy marks a span as an error: a 5xx answer, or none. */
    public static boolean isError(RequestContext request) {
        return request.responseCode() >= 500 || request.responseCode() == 0;
    }

    /** Hands the span's tags to {@code out}, leaving out those without a value. */
    public static <E extends Exception> void write(Span span, LocalEndpoint local, Sink<E> out) throws E {
        RequestContext request = span.request();
        TracingPolicy policy = request.telemetry().tracing();
        out.tag("component", "proxy");
        out.tag("node_id", local.nodeId());
        out.tag("istio.namespace", local.namespace());
        tag(out, "guid:x-request-id", request.requestId());
        tag(out, "http.method", request.method());
        String url = "http://" + request.authority() + request.path();
        tag(out, "http.url", url.length() <= policy.maxPathTagLength() ? url
                : url.substring(0, policy.maxPathTagLength()));
        tag(out, "http.protocol", request.protocol());
        tag(out, "user_agent", request.userAgent());
        out.tag("request_size", Long.toString(request.bytesReceived()));
        out.tag("response_size", Long.toString(request.bytesSent()));
        out.tag("http.status_code", Integer.toString(request.responseCode()));
        out.tag("response_flags", request.flagsString());
        tag(out, "upstream_cluster", request.cluster());
        InetSocketAddress remote = remote(request);
        if (remote != null) {
            InetAddress ip = remote.getAddress();
            tag(out, "peer.address", ip == null ? remote.getHostString() : ip.getHostAddress());
        }
        if (isError(request)) {
            out.tag("error", "true");
        }
        String[] customValues = span.customTags();
        if (customValues != null) {
            List<TracingPolicy.CustomTag> custom = policy.customTags();
            for (int i = 0; i < customValues.length && i < custom.size(); i++) {
                tag(out, custom.get(i).name(), customValues[i]);
            }
        }
    }

    private static <E extends Exception> void tag(Sink<E> out, String name, String value) throws E {
        if (value != null && !value.isEmpty()) {
            out.tag(name, value);
        }
    }
}
