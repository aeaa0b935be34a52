package dev.skiff.proxy.telemetry.tracing;

import dev.skiff.proxy.filter.RequestContext;
import dev.skiff.proxy.filter.RequestListener;
import dev.skiff.proxy.model.Direction;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

class TracingTest {

    private final List<Span> exported = new ArrayList<>();
    private final SplittableRandom random = new SplittableRandom(3);

    private Tracing tracing(double percent) {
        return new Tracing(RequestListener.NONE, new Sampler(percent), () -> random, exported::add);
    }

    private static RequestContext request(Direction direction) {
        RequestContext context = new RequestContext(direction == Direction.OUTBOUND ? "virtualOutbound"
                : "virtualInbound", direction, System.nanoTime());
        context.request("GET", "reviews:9080", "/r", "HTTP/1.1");
        context.responseCode(200);
        return context;
    }

    /** Copies the headers a sidecar sent on, as the next hop receives them. */
    private static HttpHeaders received(HttpHeaders sent) {
        return new DefaultHttpHeaders().add(sent);
    }

    @Test
    void clientAndServerSidecarsMakeLinkedSpansOfOneTrace() {
        Tracing client = tracing(100);
        Tracing server = tracing(100);
        RequestContext outbound = request(Direction.OUTBOUND);
        HttpHeaders headers = new DefaultHttpHeaders().set("user-agent", "test");
        client.onRequestHeaders(outbound, headers);
        RequestContext inbound = request(Direction.INBOUND);
        HttpHeaders serverHeaders = received(headers);
        server.onRequestHeaders(inbound, serverHeaders);
        server.onComplete(inbound);
        client.onComplete(outbound);

        assertThat(exported).hasSize(2);
        Span serverSpan = exported.get(0);
        Span clientSpan = exported.get(1);
        assertThat(clientSpan.kind()).isEqualTo(Span.Kind.CLIENT);
        assertThat(serverSpan.kind()).isEqualTo(Span.Kind.SERVER);
        assertThat(clientSpan.parentId()).isZero();
        assertThat(clientSpan.traceIdHigh()).isNotZero();
        assertThat(serverSpan.traceIdHex()).isEqualTo(clientSpan.traceIdHex());
        assertThat(serverSpan.parentId()).isEqualTo(clientSpan.id());
        assertThat(serverSpan.id()).isNotEqualTo(clientSpan.id());
        assertThat(serverHeaders.get("x-b3-spanid")).isEqualTo(TraceHeaders.hex16(serverSpan.id()));
        assertThat(serverHeaders.get("x-b3-parentspanid")).isEqualTo(TraceHeaders.hex16(clientSpan.id()));
        assertThat(clientSpan.request()).isSameAs(outbound);
        assertThat(clientSpan.durationMicros()).isPositive();
        assertThat(outbound.userAgent()).isEqualTo("test");
    }

    @Test
    void continuesTheApplicationsW3cTraceAndKeepsTracestate() {
        Tracing client = tracing(0);
        RequestContext outbound = request(Direction.OUTBOUND);
        HttpHeaders headers = new DefaultHttpHeaders()
                .set("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
                .set("tracestate", "congo=t61rcWkgMzE");
        client.onRequestHeaders(outbound, headers);
        client.onComplete(outbound);
        assertThat(exported).singleElement().satisfies(span -> {
            assertThat(span.traceIdHex()).isEqualTo("0af7651916cd43dd8448eb211c80319c");
            assertThat(TraceHeaders.hex16(span.parentId())).isEqualTo("b7ad6b7169203331");
        });
        assertThat(headers.get("traceparent")).startsWith("00-0af7651916cd43dd8448eb211c80319c-")
                .endsWith("-01").doesNotContain("b7ad6b7169203331");
        assertThat(headers.get("x-b3-traceid")).isEqualTo("0af7651916cd43dd8448eb211c80319c");
        assertThat(headers.get("tracestate")).isEqualTo("congo=t61rcWkgMzE");
    }

    @Test
    void unsampledRequestsPropagateTheDecisionButExportNothing() {
        Tracing client = tracing(100);
        Tracing server = tracing(100);
        RequestContext outbound = request(Direction.OUTBOUND);
        HttpHeaders headers = new DefaultHttpHeaders().set("x-b3-sampled", "0");
        client.onRequestHeaders(outbound, headers);
        assertThat(headers.get("x-b3-sampled")).isEqualTo("0");
        assertThat(headers.get("x-b3-traceid")).hasSize(32);
        RequestContext inbound = request(Direction.INBOUND);
        server.onRequestHeaders(inbound, received(headers));
        server.onComplete(inbound);
        client.onComplete(outbound);
        assertThat(exported).isEmpty();
    }

    @Test
    void requestsThatWereNeverForwardedHaveNoSpan() {
        RequestContext local = request(Direction.OUTBOUND);
        tracing(100).onComplete(local);
        assertThat(exported).isEmpty();
        assertThat(local.traceSpan()).isNull();
    }
}
