package dev.skiff.proxy.telemetry.tracing;

import com.google.protobuf.ByteString;
import dev.skiff.proxy.filter.RequestContext;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Status;

import java.nio.ByteBuffer;
import java.util.List;

/**
 * Spans as OTLP's {@code ExportTraceServiceRequest}: one resource with the {@code service.name} attribute, one
 * scope, and per span its trace, span and parent ids, name, kind, start and end times, the attributes of
 * {@link SpanTags} and an error status for failed requests.
 */
public final class OtlpSpans {
    /** The instrumentation scope the sidecar's spans are reported under. */
    public static final String SCOPE = "skiff";

    private OtlpSpans() {
    }

    /** The export request for {@code spans}, filed under {@code serviceName}. */
    public static ExportTraceServiceRequest request(List<Span> spans, LocalEndpoint local, String serviceName) {
        ScopeSpans.Builder scope = ScopeSpans.newBuilder().setScope(InstrumentationScope.newBuilder().setName(SCOPE));
        for (Span span : spans) {
            scope.addSpans(span(span, local));
        }
        return ExportTraceServiceRequest.newBuilder().addResourceSpans(ResourceSpans.newBuilder()
                .setResource(Resource.newBuilder().addAttributes(attribute("service.name", serviceName)))
                .addScopeSpans(scope)).build();
    }

    static io.opentelemetry.proto.trace.v1.Span span(Span span, LocalEndpoint local) {
        RequestContext request = span.request();
        long startNanos = span.startEpochMicros() * 1000;
        io.opentelemetry.proto.trace.v1.Span.Builder otlp = io.opentelemetry.proto.trace.v1.Span.newBuilder()
                .setTraceId(ByteString.copyFrom(ByteBuffer.allocate(16).putLong(span.traceIdHigh())
                        .putLong(span.traceIdLow()).flip()))
                .setSpanId(id(span.id()))
                .setName(SpanTags.name(request))
                .setKind(span.kind() == Span.Kind.CLIENT ? io.opentelemetry.proto.trace.v1.Span.SpanKind.SPAN_KIND_CLIENT
                        : io.opentelemetry.proto.trace.v1.Span.SpanKind.SPAN_KIND_SERVER)
                .setStartTimeUnixNano(startNanos)
                .setEndTimeUnixNano(startNanos + span.durationMicros() * 1000);
        if (span.parentId() != 0) {
            otlp.setParentSpanId(id(span.parentId()));
        }
        SpanTags.write(span, local, (name, value) -> otlp.addAttributes(attribute(name, value)));
        if (SpanTags.isError(request)) {
            otlp.setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_ERROR));
        }
        return otlp.build();
    }

    private static ByteString id(long id) {
        return ByteString.copyFrom(ByteBuffer.allocate(8).putLong(id).flip());
    }

    private static KeyValue attribute(String key, String value) {
        return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setStringValue(value)).build();
    }
}
