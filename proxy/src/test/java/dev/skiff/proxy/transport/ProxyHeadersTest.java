package dev.skiff.proxy.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http2.HttpConversionUtil;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ProxyHeadersTest {

    @Test
    void requestHeadForTheUpstreamLosesHopByHopAndHttp2ExtensionHeaders() {
        HttpHeaders headers = new DefaultHttpHeaders();
        headers.set("host", "reviews:9080");
        headers.set("connection", "keep-alive, x-trace-hop");
        headers.set("x-trace-hop", "1");
        headers.set("keep-alive", "timeout=5");
        headers.set("proxy-connection", "keep-alive");
        headers.set("te", "gzip");
        headers.set("end-user", "jason");
        for (HttpConversionUtil.ExtensionHeaderNames name : HttpConversionUtil.ExtensionHeaderNames.values()) {
            headers.set(name.text(), "1");
        }

        String requestId = ProxyHeaders.prepareRequest(headers, "reviews.default.svc.cluster.local:9080", false,
                false, new SplittableRandom(1));

        assertThat(headers.names()).containsExactlyInAnyOrder("host", "end-user", "x-forwarded-proto",
                "x-request-id");
        assertThat(headers.get("host")).isEqualTo("reviews.default.svc.cluster.local:9080");
        assertThat(headers.get("x-forwarded-proto")).isEqualTo("http");
        assertThat(headers.get("x-request-id")).isEqualTo(requestId).matches(
                "[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
    }

    @Test
    void requestHeadForAnHttp2UpstreamNamesTheScheme() {
        HttpHeaders headers = new DefaultHttpHeaders();
        headers.set("x-request-id", "given");

        String requestId = ProxyHeaders.prepareRequest(headers, "reviews:9080", false, true, new SplittableRandom(1));

        assertThat(requestId).isEqualTo("given");
        assertThat(headers.get(HttpConversionUtil.ExtensionHeaderNames.SCHEME.text())).isEqualTo("http");
    }

    @Test
    void responseHeadLosesHopByHopAndHttp2ExtensionHeaders() {
        HttpHeaders headers = new DefaultHttpHeaders();
        headers.set("content-type", "application/json");
        headers.set("connection", "keep-alive");
        headers.set("keep-alive", "timeout=5");
        headers.set(HttpConversionUtil.ExtensionHeaderNames.STREAM_ID.text(), "3");
        headers.set(HttpConversionUtil.ExtensionHeaderNames.SCHEME.text(), "http");

        ProxyHeaders.prepareResponse(headers, false);

        assertThat(headers.names()).containsExactly("content-type");
    }
}
