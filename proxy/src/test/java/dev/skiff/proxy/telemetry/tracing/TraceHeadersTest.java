package dev.skiff.proxy.telemetry.tracing;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

class TraceHeadersTest {

    private static final String TRACE_128 = "463ac35c9f6413ad48485a3953bb6124";
    private static final String TRACE_64 = "48485a3953bb6124";
    private static final String SPAN = "a2fb4a1d1a96d312";

    @Test
    void readsB3MultiHeaders() {
        HttpHeaders headers = new DefaultHttpHeaders().set("x-b3-traceid", TRACE_128).set("x-b3-spanid", SPAN)
                .set("x-b3-parentspanid", "0020000000000001").set("x-b3-sampled", "1");
        TraceContext context = TraceHeaders.extract(headers);
        assertThat(TraceHeaders.traceIdHex(context.traceIdHigh(), context.traceIdLow())).isEqualTo(TRACE_128);
        assertThat(TraceHeaders.hex16(context.spanId())).isEqualTo(SPAN);
        assertThat(context.sampling()).isEqualTo(TraceContext.SAMPLED);
    }

    @Test
    void readsSixtyFourBitB3TraceIdsAndTheDebugFlag() {
        HttpHeaders headers = new DefaultHttpHeaders().set("x-b3-traceid", TRACE_64).set("x-b3-spanid", SPAN)
                .set("x-b3-sampled", "0").set("x-b3-flags", "1");
        TraceContext context = TraceHeaders.extract(headers);
        assertThat(context.traceIdHigh()).isZero();
        assertThat(TraceHeaders.traceIdHex(context.traceIdHigh(), context.traceIdLow())).isEqualTo(TRACE_64);
        assertThat(context.sampling()).isEqualTo(TraceContext.SAMPLED);
    }

    @Test
    void readsSingleB3InAllItsForms() {
        TraceContext full = TraceHeaders.extract(new DefaultHttpHeaders()
                .set("b3", TRACE_128 + "-" + SPAN + "-1-0020000000000001"));
        assertThat(TraceHeaders.traceIdHex(full.traceIdHigh(), full.traceIdLow())).isEqualTo(TRACE_128);
        assertThat(TraceHeaders.hex16(full.spanId())).isEqualTo(SPAN);
        assertThat(full.sampling()).isEqualTo(TraceContext.SAMPLED);

        TraceContext undecided = TraceHeaders.extract(new DefaultHttpHeaders().set("b3", TRACE_64 + "-" + SPAN));
        assertThat(undecided.hasTrace()).isTrue();
        assertThat(undecided.sampling()).isEqualTo(TraceContext.UNDECIDED);

        TraceContext deny = TraceHeaders.extract(new DefaultHttpHeaders().set("b3", "0"));
        assertThat(deny.hasTrace()).isFalse();
        assertThat(deny.sampling()).isEqualTo(TraceContext.NOT_SAMPLED);

        TraceContext debug = TraceHeaders.extract(new DefaultHttpHeaders().set("b3", TRACE_64 + "-" + SPAN + "-d"));
        assertThat(debug.sampling()).isEqualTo(TraceContext.SAMPLED);
    }

    @Test
    void prefersSingleB3OverMultiOverTraceparent() {
        HttpHeaders headers = new DefaultHttpHeaders()
                .set("b3", "00000000000000000000000000000001-0000000000000001-1")
                .set("x-b3-traceid", "00000000000000000000000000000002").set("x-b3-spanid", "0000000000000002")
                .set("traceparent", "00-00000000000000000000000000000003-0000000000000003-01");
        assertThat(TraceHeaders.extract(headers).traceIdLow()).isEqualTo(1);
        headers.remove("b3");
        assertThat(TraceHeaders.extract(headers).traceIdLow()).isEqualTo(2);
        headers.remove("x-b3-traceid");
        assertThat(TraceHeaders.extract(headers).traceIdLow()).isEqualTo(3);
    }

    @Test
    void readsW3cTraceparent() {
        TraceContext sampled = TraceHeaders.extract(new DefaultHttpHeaders()
                .set("traceparent", "00-" + TRACE_128 + "-" + SPAN + "-01").set("tracestate", "congo=t61rcWkgMzE"));
        assertThat(TraceHeaders.traceIdHex(sampled.traceIdHigh(), sampled.traceIdLow())).isEqualTo(TRACE_128);
        assertThat(TraceHeaders.hex16(sampled.spanId())).isEqualTo(SPAN);
        assertThat(sampled.sampling()).isEqualTo(TraceContext.SAMPLED);

        TraceContext notSampled = TraceHeaders.extract(new DefaultHttpHeaders()
                .set("traceparent", "00-" + TRACE_128 + "-" + SPAN + "-00"));
        assertThat(notSampled.sampling()).isEqualTo(TraceContext.NOT_SAMPLED);

        TraceContext future = TraceHeaders.extract(new DefaultHttpHeaders()
                .set("traceparent", "01-" + TRACE_128 + "-" + SPAN + "-01-extra"));
        assertThat(future.hasTrace()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "garbage", "00-" + TRACE_128 + "-" + SPAN, "00-" + TRACE_128 + "-" + SPAN + "-0",
            "00-00000000000000000000000000000000-" + SPAN + "-01", "00-" + TRACE_128 + "-0000000000000000-01",
            "ff-" + TRACE_128 + "-" + SPAN + "-01", "00-" + TRACE_128 + "-" + SPAN + "-01-x",
            "00-463AC35C9F6413AD48485A3953BB6124-" + SPAN + "-01", "00-" + TRACE_128 + "-a2fb4a1d1a96d31z-01",
            "00_" + TRACE_128 + "_" + SPAN + "_01"})
    void ignoresMalformedTraceparent(String value) {
        assertThat(TraceHeaders.extract(new DefaultHttpHeaders().set("traceparent", value)))
                .isEqualTo(TraceContext.NONE);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "x", "2", TRACE_128, TRACE_128 + "-", TRACE_128 + "-" + "a2fb", "abc-" + SPAN,
            TRACE_128 + "-" + SPAN + "-2", TRACE_128 + "-" + SPAN + "-1-12", TRACE_128 + "-" + SPAN + "-1-zz",
            "0000000000000000-" + SPAN, TRACE_64 + "-0000000000000000", "g8485a3953bb6124-" + SPAN + "-1"})
    void ignoresMalformedSingleB3(String value) {
        assertThat(TraceHeaders.extract(new DefaultHttpHeaders().set("b3", value))).isEqualTo(TraceContext.NONE);
    }

    @Test
    void ignoresMalformedMultiB3ButKeepsAValidSamplingDecision() {
        assertThat(TraceHeaders.extract(new DefaultHttpHeaders().set("x-b3-traceid", "xyz")
                .set("x-b3-spanid", SPAN))).isEqualTo(TraceContext.NONE);
        assertThat(TraceHeaders.extract(new DefaultHttpHeaders().set("x-b3-traceid", TRACE_128)))
                .isEqualTo(TraceContext.NONE);
        assertThat(TraceHeaders.extract(new DefaultHttpHeaders().set("x-b3-traceid", TRACE_128)
                .set("x-b3-spanid", "12345"))).isEqualTo(TraceContext.NONE);
        assertThat(TraceHeaders.extract(new DefaultHttpHeaders().set("x-b3-sampled", "maybe")))
                .isEqualTo(TraceContext.NONE);
        TraceContext decisionOnly = TraceHeaders.extract(new DefaultHttpHeaders().set("x-b3-traceid", "xyz")
                .set("x-b3-sampled", "0"));
        assertThat(decisionOnly.hasTrace()).isFalse();
        assertThat(decisionOnly.sampling()).isEqualTo(TraceContext.NOT_SAMPLED);
    }

    @Test
    void malformedSingleB3FallsBackToValidMultiHeaders() {
        HttpHeaders headers = new DefaultHttpHeaders().set("b3", "nonsense").set("x-b3-traceid", TRACE_64)
                .set("x-b3-spanid", SPAN);
        assertThat(TraceHeaders.traceIdHex(0, TraceHeaders.extract(headers).traceIdLow())).isEqualTo(TRACE_64);
    }

    @Test
    void injectsB3AndTraceparentAndRewritesSingleB3WhenPresent() {
        HttpHeaders headers = new DefaultHttpHeaders().set("b3", "1").set("x-b3-flags", "1")
                .set("tracestate", "vendor=1");
        Span span = new Span(0x463ac35c9f6413adL, 0x48485a3953bb6124L, 0x1111111111111111L, 0xa2fb4a1d1a96d312L,
                Span.Kind.CLIENT, true, 0);
        TraceHeaders.inject(headers, span);
        assertThat(headers.get("x-b3-traceid")).isEqualTo(TRACE_128);
        assertThat(headers.get("x-b3-spanid")).isEqualTo("1111111111111111");
        assertThat(headers.get("x-b3-parentspanid")).isEqualTo(SPAN);
        assertThat(headers.get("x-b3-sampled")).isEqualTo("1");
        assertThat(headers.contains("x-b3-flags")).isFalse();
        assertThat(headers.get("b3")).isEqualTo(TRACE_128 + "-1111111111111111-1-" + SPAN);
        assertThat(headers.get("traceparent")).isEqualTo("00-" + TRACE_128 + "-1111111111111111-01");
        assertThat(headers.get("tracestate")).isEqualTo("vendor=1");
    }

    @Test
    void injectsARootSpanWithoutParentAndSixtyFourBitIdsPaddedForW3c() {
        HttpHeaders headers = new DefaultHttpHeaders().set("x-b3-parentspanid", SPAN);
        TraceHeaders.inject(headers, new Span(0, 0x48485a3953bb6124L, 0x2222222222222222L, 0, Span.Kind.SERVER,
                false, 0));
        assertThat(headers.get("x-b3-traceid")).isEqualTo(TRACE_64);
        assertThat(headers.contains("x-b3-parentspanid")).isFalse();
        assertThat(headers.get("x-b3-sampled")).isEqualTo("0");
        assertThat(headers.contains("b3")).isFalse();
        assertThat(headers.get("traceparent")).isEqualTo("00-0000000000000000" + TRACE_64 + "-2222222222222222-00");
        TraceContext back = TraceHeaders.extract(headers);
        assertThat(back.traceIdLow()).isEqualTo(0x48485a3953bb6124L);
        assertThat(back.spanId()).isEqualTo(0x2222222222222222L);
        assertThat(back.sampling()).isEqualTo(TraceContext.NOT_SAMPLED);
    }
}
