package dev.skiff.proxy.telemetry.accesslog;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skiff.proxy.filter.RequestContext;
import dev.skiff.proxy.filter.RequestListener;
import dev.skiff.proxy.filter.ResponseFlag;
import dev.skiff.proxy.model.Direction;
import dev.skiff.proxy.telemetry.ConnectionDetails;
import dev.skiff.proxy.telemetry.TlsPrincipals;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class AccessLogTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private static RequestContext request(String path, String userAgent) {
        RequestContext context = new RequestContext("outbound|80||reviews", Direction.OUTBOUND,
                System.nanoTime() - TimeUnit.MILLISECONDS.toNanos(42));
        context.request("GET", "reviews:9080", path, "HTTP/1.1");
        context.requestId("3f2a-id");
        context.routeName("reviews.default.svc.cluster.local:9080");
        context.cluster("outbound|9080||reviews.default.svc.cluster.local");
        context.upstreamHost(new InetSocketAddress("127.0.46.7", 9080));
        context.downstreamRemoteAddress(new InetSocketAddress("127.0.46.1", 51000));
        context.responseCode(503);
        context.addFlag(ResponseFlag.UPSTREAM_CONNECTION_FAILURE);
        context.addBytesReceived(12);
        context.addBytesSent(91);
        context.requestDetails(userAgent, null);
        return context;
    }

    private static List<JsonNode> lines(String text) throws Exception {
        List<JsonNode> nodes = new ArrayList<>();
        for (String line : text.split("\n")) {
            nodes.add(MAPPER.readTree(line));
        }
        return nodes;
    }

    @Test
    void writesEnvoyDefaultFieldsAsOneJsonLine() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (AccessLog log = new AccessLog(RequestListener.NONE, out, 16)) {
            RequestContext context = request("/reviews/1?x=1", "curl/8.5");
            HttpHeaders headers = new DefaultHttpHeaders().set("user-agent", "curl/8.5")
                    .set("x-forwarded-for", "10.0.0.1");
            log.onRequestHeaders(context, headers);
            log.onResponseHeaders(context, new DefaultHttpHeaders());
            log.onComplete(context);
        }
        String text = out.toString(StandardCharsets.UTF_8);
        assertThat(text).endsWith("\n").hasLineCount(1);
        JsonNode line = lines(text).getFirst();
        assertThat(line.fieldNames()).toIterable().containsExactly("start_time", "method", "path", "protocol",
                "response_code", "response_flags", "connection_termination_details",
                "upstream_transport_failure_reason", "bytes_received", "bytes_sent", "duration",
                "upstream_service_time", "x_forwarded_for", "user_agent", "request_id", "authority",
                "upstream_host", "upstream_cluster", "upstream_local_address", "downstream_local_address",
                "downstream_remote_address", "requested_server_name", "route_name");
        assertThat(line.get("start_time").asText()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z");
        assertThat(line.get("method").asText()).isEqualTo("GET");
        assertThat(line.get("path").asText()).isEqualTo("/reviews/1?x=1");
        assertThat(line.get("protocol").asText()).isEqualTo("HTTP/1.1");
        assertThat(line.get("response_code").asInt()).isEqualTo(503);
        assertThat(line.get("response_flags").asText()).isEqualTo("UF");
        assertThat(line.get("bytes_received").asLong()).isEqualTo(12);
        assertThat(line.get("bytes_sent").asLong()).isEqualTo(91);
        assertThat(line.get("duration").asLong()).isGreaterThanOrEqualTo(42);
        assertThat(line.get("upstream_service_time").asText()).matches("\\d+");
        assertThat(line.get("x_forwarded_for").asText()).isEqualTo("10.0.0.1");
        assertThat(line.get("user_agent").asText()).isEqualTo("curl/8.5");
        assertThat(line.get("request_id").asText()).isEqualTo("3f2a-id");
        assertThat(line.get("authority").asText()).isEqualTo("reviews:9080");
        assertThat(line.get("upstream_host").asText()).isEqualTo("127.0.46.7:9080");
        assertThat(line.get("upstream_cluster").asText())
                .isEqualTo("outbound|9080||reviews.default.svc.cluster.local");
        assertThat(line.get("downstream_remote_address").asText()).isEqualTo("127.0.46.1:51000");
        assertThat(line.get("route_name").asText()).isEqualTo("reviews.default.svc.cluster.local:9080");
        assertThat(line.get("upstream_local_address").isNull()).isTrue();
        assertThat(line.get("requested_server_name").isNull()).isTrue();
    }

    @Test
    void reportsTheConnectionsAddressesServerNameAndFailureReasons() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (AccessLog log = new AccessLog(RequestListener.NONE, out, 16)) {
            RequestContext context = request("/reviews/1", "curl/8.5");
            context.downstreamConnection(new ConnectionDetails("127.0.46.2:15006",
                    "outbound_.9080_._.reviews.default.svc.cluster.local", TlsPrincipals.NONE));
            context.upstreamConnection(new ConnectionDetails("[::1]:41000", null, TlsPrincipals.NONE));
            context.upstreamTransportFailureReason("TLS_error:|Received fatal alert: bad_certificate:TLS_error_end");
            context.connectionTerminationDetails("rbac_access_denied_matched_policy[none]");
            log.onComplete(context);
        }
        JsonNode line = lines(out.toString(StandardCharsets.UTF_8)).getFirst();
        assertThat(line.get("downstream_local_address").asText()).isEqualTo("127.0.46.2:15006");
        assertThat(line.get("requested_server_name").asText())
                .isEqualTo("outbound_.9080_._.reviews.default.svc.cluster.local");
        assertThat(line.get("upstream_local_address").asText()).isEqualTo("[::1]:41000");
        assertThat(line.get("upstream_transport_failure_reason").asText())
                .isEqualTo("TLS_error:|Received fatal alert: bad_certificate:TLS_error_end");
        assertThat(line.get("connection_termination_details").asText())
                .isEqualTo("rbac_access_denied_matched_policy[none]");
    }

    @Test
    void carriesTheRbacLogHintWhenALogFilterRan() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (AccessLog log = new AccessLog(RequestListener.NONE, out, 16)) {
            RequestContext audited = request("/audited/1", "curl/8.5");
            audited.accessLogHint(true);
            log.onComplete(audited);
            RequestContext notAudited = request("/reviews", "curl/8.5");
            notAudited.accessLogHint(false);
            log.onComplete(notAudited);
            log.onComplete(request("/other", "curl/8.5"));
        }
        List<JsonNode> lines = lines(out.toString(StandardCharsets.UTF_8));
        assertThat(lines).hasSize(3);
        assertThat(lines.get(0).get("access_log_hint").isBoolean()).isTrue();
        assertThat(lines.get(0).get("access_log_hint").asBoolean()).isTrue();
        assertThat(lines.get(1).get("access_log_hint").asBoolean()).isFalse();
        assertThat(lines.get(2).has("access_log_hint")).isFalse();
    }

    @Test
    void escapesQuotesControlCharactersAndUnicode() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        String path = "/p\"a\\th\u0001\n\t/caf\u00e9/\u65e5\u672c/\ud83d\ude80";
        String agent = "agent \"quoted\" \u0000\u001f\u007f \u2028 \ud83d\ude00";
        try (AccessLog log = new AccessLog(RequestListener.NONE, out, 16)) {
            log.onComplete(request(path, agent));
        }
        String text = out.toString(StandardCharsets.UTF_8);
        assertThat(text).hasLineCount(1);
        assertThat(text).contains("\\\"").contains("\\u0001").contains("\\n").contains("\\u0000");
        JsonNode line = lines(text).getFirst();
        assertThat(line.get("path").asText()).isEqualTo(path);
        assertThat(line.get("user_agent").asText()).isEqualTo(agent);
        assertThat(line.get("upstream_service_time").isNull()).isTrue();
    }

    @Test
    void tcpConnectionsAndUnknownValuesAreNull() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (AccessLog log = new AccessLog(RequestListener.NONE, out, 16)) {
            RequestContext context = new RequestContext("virtualInbound", Direction.INBOUND, System.nanoTime());
            context.addBytesReceived(5);
            log.onConnectionOpened(context);
            log.onComplete(context);
        }
        JsonNode line = lines(out.toString(StandardCharsets.UTF_8)).getFirst();
        assertThat(line.get("method").isNull()).isTrue();
        assertThat(line.get("upstream_host").isNull()).isTrue();
        assertThat(line.get("response_flags").asText()).isEqualTo("-");
        assertThat(line.get("bytes_received").asLong()).isEqualTo(5);
        assertThat(List.of("connection_termination_details", "upstream_transport_failure_reason",
                "upstream_local_address", "downstream_local_address", "requested_server_name"))
                .allSatisfy(field -> assertThat(line.get(field).isNull()).as(field).isTrue());
    }

    @Test
    void passesEveryEventToTheWrappedListenerFirst() {
        List<String> seen = new ArrayList<>();
        RequestListener inner = new RequestListener() {
            @Override
            public void onComplete(RequestContext context) {
                seen.add("complete");
            }

            @Override
            public void onRequestHeaders(RequestContext context, HttpHeaders headers) {
                seen.add("request " + headers.get("user-agent"));
            }

            @Override
            public void onResponseHeaders(RequestContext context, HttpHeaders headers) {
                seen.add("response");
            }

            @Override
            public void onConnectionOpened(RequestContext context) {
                seen.add("opened");
            }
        };
        try (AccessLog log = new AccessLog(inner, OutputStream.nullOutputStream(), 4)) {
            RequestContext context = request("/", "ua");
            log.onRequestHeaders(context, new DefaultHttpHeaders().set("user-agent", "ua"));
            log.onResponseHeaders(context, new DefaultHttpHeaders());
            log.onConnectionOpened(context);
            log.onComplete(context);
        }
        assertThat(seen).containsExactly("request ua", "response", "opened", "complete");
    }

    @Test
    void dropsAndCountsLinesWhenTheWriterFallsBehind() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch writing = new CountDownLatch(1);
        ByteArrayOutputStream written = new ByteArrayOutputStream();
        OutputStream blocked = new OutputStream() {
            @Override
            public void write(int b) {
                written.write(b);
            }

            @Override
            public void write(byte[] bytes, int offset, int length) {
                writing.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                written.write(bytes, offset, length);
            }
        };
        try (AccessLog log = new AccessLog(RequestListener.NONE, blocked, 2)) {
            log.onComplete(request("/first", "ua"));
            assertThat(writing.await(10, TimeUnit.SECONDS)).isTrue();
            for (int i = 0; i < 5; i++) {
                log.onComplete(request("/queued" + i, "ua"));
            }
            assertThat(log.dropped()).isEqualTo(3);
            release.countDown();
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> written.toString(StandardCharsets.UTF_8)
                .lines().count() == 3);
        assertThat(written.toString(StandardCharsets.UTF_8)).contains("/first", "/queued0", "/queued1")
                .doesNotContain("/queued2");
    }
}
