package dev.skiff.proxy.telemetry.accesslog;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.skiff.proxy.filter.RequestContext;
import dev.skiff.proxy.telemetry.ConnectionDetails;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.TimeUnit;

/**
 * Envoy's default JSON access log format, the fields Istio's {@code accessLogEncoding: JSON} prints, in Envoy's
 * order. A value the proxy does not know is {@code null}, as Envoy writes it. When an RBAC LOG filter (Istio's
 * AUDIT policies) ran on the request, {@code access_log_hint} follows: what
 * {@code %DYNAMIC_METADATA(envoy.common:access_log_hint)%} shows in Envoy, whether one of its policies matched.
 */
public final class AccessLogFormat {

    private static final DateTimeFormatter START_TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    private AccessLogFormat() {
    }

    /**
     * Writes one request as a JSON object.
     *
     * @param context     the finished request
     * @param endNanos    when it finished ({@link System#nanoTime()})
     * @param nowNanos    {@link System#nanoTime()} at the moment of writing
     * @param nowEpochMs  the wall clock at the moment of writing, to place the request's start in time
     */
    public static void write(JsonGenerator out, RequestContext context, long endNanos, long nowNanos,
                             long nowEpochMs) throws IOException {
        long startEpochMs = nowEpochMs - TimeUnit.NANOSECONDS.toMillis(nowNanos - context.startNanos());
        out.writeStartObject();
        out.writeStringField("start_time", START_TIME.format(Instant.ofEpochMilli(startEpochMs)));
        stringOrNull(out, "method", context.method());
        stringOrNull(out, "path", context.path());
        stringOrNull(out, "protocol", context.protocol());
        out.writeNumberField("response_code", context.responseCode());
        out.writeStringField("response_flags", context.flagsString());
        stringOrNull(out, "connection_termination_details", context.connectionTerminationDetails());
        stringOrNull(out, "upstream_transport_failure_reason", context.upstreamTransportFailureReason());
        out.writeNumberField("bytes_received", context.bytesReceived());
        out.writeNumberField("bytes_sent", context.bytesSent());
        out.writeNumberField("duration", TimeUnit.NANOSECONDS.toMillis(endNanos - context.startNanos()));
        if (context.upstreamRequestNanos() != 0 && context.upstreamResponseNanos() != 0) {
            out.writeStringField("upstream_service_time", Long.toString(TimeUnit.NANOSECONDS.toMillis(
                    context.upstreamResponseNanos() - context.upstreamRequestNanos())));
        } else {
            out.writeNullField("upstream_service_time");
        }
        stringOrNull(out, "x_forwarded_for", context.forwardedFor());
        stringOrNull(out, "user_agent", context.userAgent());
        stringOrNull(out, "request_id", context.requestId());
        stringOrNull(out, "authority", context.authority());
        address(out, "upstream_host", context.upstreamHost());
        stringOrNull(out, "upstream_cluster", context.cluster());
        stringOrNull(out, "upstream_local_address", context.upstreamConnection().localAddress());
        stringOrNull(out, "downstream_local_address", context.downstreamConnection().localAddress());
        address(out, "downstream_remote_address", context.downstreamRemoteAddress());
        stringOrNull(out, "requested_server_name", context.downstreamConnection().serverName());
        stringOrNull(out, "route_name", context.routeName());
        if (context.accessLogHint() != null) {
            out.writeBooleanField("access_log_hint", context.accessLogHint());
        }
        out.writeEndObject();
    }

    private static void stringOrNull(JsonGenerator out, String field, String value) throws IOException {
        if (value == null || value.isEmpty()) {
            out.writeNullField(field);
        } else {
            out.writeStringField(field, value);
        }
    }

    private static void address(JsonGenerator out, String field, InetSocketAddress address) throws IOException {
        if (address == null) {
            out.writeNullField(field);
            return;
        }
        out.writeStringField(field, ConnectionDetails.text(address));
    }
}
