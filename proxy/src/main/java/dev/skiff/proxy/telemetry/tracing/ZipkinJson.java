package dev.skiff.proxy.telemetry.tracing;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.skiff.proxy.filter.RequestContext;
import dev.skiff.proxy.model.Direction;
import dev.skiff.proxy.telemetry.TracingPolicy;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * Zipkin's v2 JSON span format ({@code POST /api/v2/spans}), with the tags Envoy's Zipkin tracer sets for an HTTP
 * request in an Istio mesh.
 */
public final class ZipkinJson {

    private ZipkinJson() {
    }

    /** Writes the spans as one JSON array. */
    public static void write(JsonGenerator out, List<Span> spans, LocalEndpoint local) throws IOException {
        out.writeStartArray();
        for (Span span : spans) {
            writeSpan(out, span, local);
        }
        out.writeEndArray();
    }

    static void writeSpan(JsonGenerator out, Span span, LocalEndpoint local) throws IOException {
        RequestContext request = span.request();
        out.writeStartObject();
        out.writeStringField("traceId", span.traceIdHex());
        if (span.parentId() != 0) {
            out.writeStringField("parentId", TraceHeaders.hex16(span.parentId()));
        }
        out.writeStringField("id", TraceHeaders.hex16(span.id()));
        out.writeStringField("kind", span.kind().name());
        out.writeStringField("name", name(request));
        out.writeNumberField("timestamp", span.startEpochMicros());
        out.writeNumberField("duration", span.durationMicros());
        out.writeObjectFieldStart("localEndpoint");
        out.writeStringField("serviceName", local.serviceName());
        if (local.address() != null) {
            out.writeStringField(local.address().indexOf(':') >= 0 ? "ipv6" : "ipv4", local.address());
        }
        out.writeEndObject();
        InetSocketAddress remote = request.direction() == Direction.OUTBOUND ? request.upstreamHost()
                : request.downstreamRemoteAddress();
        if (remote != null && remote.getAddress() != null) {
            InetAddress ip = remote.getAddress();
            out.writeObjectFieldStart("remoteEndpoint");
            out.writeStringField(ip instanceof Inet6Address ? "ipv6" : "ipv4", ip.getHostAddress());
            out.writeNumberField("port", remote.getPort());
            out.writeEndObject();
        }
        out.writeObjectFieldStart("tags");
        out.writeStringField("component", "proxy");
        out.writeStringField("node_id", local.nodeId());
        out.writeStringField("istio.namespace", local.namespace());
        tag(out, "guid:x-request-id", request.requestId());
        tag(out, "http.method", request.method());
        tag(out, "http.url", "http://" + request.authority() + request.path());
        tag(out, "http.protocol", request.protocol());
        tag(out, "user_agent", request.userAgent());
        out.writeStringField("request_size", Long.toString(request.bytesReceived()));
        out.writeStringField("response_size", Long.toString(request.bytesSent()));
        out.writeStringField("http.status_code", Integer.toString(request.responseCode()));
        out.writeStringField("response_flags", request.flagsString());
        tag(out, "upstream_cluster", request.cluster());
        if (remote != null) {
            InetAddress ip = remote.getAddress();
            tag(out, "peer.address", ip == null ? remote.getHostString() : ip.getHostAddress());
        }
        if (request.responseCode() >= 500 || request.responseCode() == 0) {
            out.writeStringField("error", "true");
        }
        String[] customValues = span.customTags();
        if (customValues != null) {
            List<TracingPolicy.CustomTag> custom = request.telemetry().tracing().customTags();
            for (int i = 0; i < customValues.length && i < custom.size(); i++) {
                tag(out, custom.get(i).name(), customValues[i]);
            }
        }
        out.writeEndObject();
        out.writeEndObject();
    }

    /** The operation name Istio gives a route: {@code <authority>/*}. */
    private static String name(RequestContext request) {
        return request.authority().isEmpty() ? request.listenerName() : request.authority() + "/*";
    }

    private static void tag(JsonGenerator out, String name, String value) throws IOException {
        if (value != null && !value.isEmpty()) {
            out.writeStringField(name, value);
        }
    }
}
