package dev.skiff.proxy.telemetry.tracing;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.skiff.proxy.filter.RequestContext;

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
        out.writeStringField("name", SpanTags.name(request));
        out.writeNumberField("timestamp", span.startEpochMicros());
        out.writeNumberField("duration", span.durationMicros());
        out.writeObjectFieldStart("localEndpoint");
        out.writeStringField("serviceName", local.serviceName());
        if (local.address() != null) {
            out.writeStringField(local.address().indexOf(':') >= 0 ? "ipv6" : "ipv4", local.address());
        }
        out.writeEndObject();
        InetSocketAddress remote = SpanTags.remote(request);
        if (remote != null && remote.getAddress() != null) {
            InetAddress ip = remote.getAddress();
            out.writeObjectFieldStart("remoteEndpoint");
            out.writeStringField(ip instanceof Inet6Address ? "ipv6" : "ipv4", ip.getHostAddress());
            out.writeNumberField("port", remote.getPort());
            out.writeEndObject();
        }
        out.writeObjectFieldStart("tags");
        SpanTags.write(span, local, out::writeStringField);
        out.writeEndObject();
        out.writeEndObject();
    }
}
