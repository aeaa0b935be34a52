package dev.skiff.proxy.telemetry;

import dev.skiff.proxy.filter.RequestContext;
import dev.skiff.proxy.filter.ResponseFlag;
import dev.skiff.proxy.model.Direction;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class IstioTelemetryTest {

    private static final WorkloadMetadata PRODUCTPAGE = new WorkloadMetadata("productpage-v1", "default",
            "productpage-v1", Map.of("app", "productpage", "version", "v1"), "Kubernetes");
    private static final WorkloadMetadata REVIEWS = new WorkloadMetadata("reviews-v2", "default", "reviews-v2",
            Map.of("app", "reviews", "version", "v2"), "Kubernetes");
    private static final String CLUSTER = "outbound|9080|v2|reviews.default.svc.cluster.local";

    private final IstioMetrics clientMetrics = new IstioMetrics();
    private final IstioMetrics serverMetrics = new IstioMetrics();
    private final IstioTelemetry client = new IstioTelemetry(clientMetrics, PRODUCTPAGE,
            "sidecar~127.0.0.1~productpage-v1.default~default.svc.cluster.local");
    private final IstioTelemetry server = new IstioTelemetry(serverMetrics, REVIEWS,
            "sidecar~127.0.0.2~reviews-v2.default~default.svc.cluster.local");

    /** One request through both sidecars, headers exchanged as on the wire; returns the two contexts. */
    private RequestContext[] exchange(int status, String contentType) {
        RequestContext outbound = new RequestContext("virtualOutbound", Direction.OUTBOUND, System.nanoTime())
                .request("GET", "reviews.default.svc.cluster.local:9080", "/reviews/1", "HTTP/1.1");
        outbound.cluster(CLUSTER);
        HttpHeaders request = new DefaultHttpHeaders();
        if (contentType != null) {
            request.set("content-type", contentType);
        }
        request.set(PeerMetadataCodec.HEADER, "spoofed-by-the-app");
        client.onRequestHeaders(outbound, request);
        assertThat(request.get(PeerMetadataCodec.HEADER)).isEqualTo(PeerMetadataCodec.encode(PRODUCTPAGE));
        assertThat(request.get(PeerMetadataCodec.ID_HEADER)).startsWith("sidecar~127.0.0.1~productpage-v1");

        RequestContext inbound = new RequestContext("inbound|9080", Direction.INBOUND, System.nanoTime())
                .request("GET", "reviews.default.svc.cluster.local:9080", "/reviews/1", "HTTP/1.1");
        inbound.cluster("inbound|9080||");
        server.onRequestHeaders(inbound, request);
        assertThat(request.contains(PeerMetadataCodec.HEADER)).as("peer metadata reaches the app").isFalse();
        assertThat(request.contains(PeerMetadataCodec.ID_HEADER)).isFalse();

        HttpHeaders response = new DefaultHttpHeaders();
        inbound.responseCode(status);
        server.onResponseHeaders(inbound, response);
        assertThat(response.get(PeerMetadataCodec.HEADER)).isEqualTo(PeerMetadataCodec.encode(REVIEWS));
        outbound.responseCode(status);
        client.onResponseHeaders(outbound, response);
        assertThat(response.contains(PeerMetadataCodec.HEADER)).as("peer metadata reaches the client").isFalse();
        assertThat(response.contains(PeerMetadataCodec.ID_HEADER)).isFalse();
        return new RequestContext[]{outbound, inbound};
    }

    @Test
    void bothReportersLabelBothWorkloadsFromTheExchangedMetadata() {
        RequestContext[] contexts = exchange(200, null);
        contexts[0].addBytesReceived(10);
        contexts[0].addBytesSent(300);
        client.onComplete(contexts[0]);
        server.onComplete(contexts[1]);

        String source = clientMetrics.scrape();
        assertThat(series(source, "istio_requests_total{")).singleElement().asString()
                .contains("reporter=\"source\"", "source_workload=\"productpage-v1\"", "source_app=\"productpage\"",
                        "source_version=\"v1\"", "source_canonical_service=\"productpage\"",
                        "source_canonical_revision=\"v1\"", "source_workload_namespace=\"default\"",
                        "source_cluster=\"Kubernetes\"", "source_principal=\"unknown\"",
                        "destination_workload=\"reviews-v2\"", "destination_app=\"reviews\"",
                        "destination_version=\"v2\"", "destination_workload_namespace=\"default\"",
                        "destination_service=\"reviews.default.svc.cluster.local\"",
                        "destination_service_name=\"reviews\"", "destination_service_namespace=\"default\"",
                        "destination_canonical_service=\"reviews\"", "destination_canonical_revision=\"v2\"",
                        "destination_principal=\"unknown\"", "destination_cluster=\"Kubernetes\"",
                        "request_protocol=\"http\"", "response_code=\"200\"", "grpc_response_status=\"\"",
                        "response_flags=\"-\"", "connection_security_policy=\"unknown\"")
                .endsWith(" 1");
        assertThat(source).contains("istio_response_bytes_bucket{", "le=\"500\"", "istio_request_bytes_sum{");

        String destination = serverMetrics.scrape();
        assertThat(series(destination, "istio_requests_total{")).singleElement().asString()
                .contains("reporter=\"destination\"", "source_workload=\"productpage-v1\"",
                        "source_version=\"v1\"", "destination_workload=\"reviews-v2\"",
                        "destination_version=\"v2\"", "destination_service=\"reviews.default.svc.cluster.local\"",
                        "destination_service_name=\"reviews\"", "connection_security_policy=\"none\"",
                        "response_code=\"200\"");
    }

    @Test
    void theSourceSideReportsThePrincipalsOfAMutualTlsUpstreamConnection() {
        String productpage = "spiffe://cluster.local/ns/default/sa/productpage";
        String reviews = "spiffe://cluster.local/ns/default/sa/reviews";
        RequestContext mutual = exchange(200, null)[0];
        mutual.upstreamConnection(new ConnectionDetails("127.0.0.1:40000", null,
                new TlsPrincipals(reviews, productpage)));
        client.onComplete(mutual);
        RequestContext oneWay = exchange(200, null)[0];
        oneWay.upstreamConnection(new ConnectionDetails("127.0.0.1:40001", null, new TlsPrincipals(reviews, "")));
        client.onComplete(oneWay);

        List<String> lines = series(clientMetrics.scrape(), "istio_requests_total{");
        assertThat(lines).hasSize(2);
        assertThat(lines).anySatisfy(line -> assertThat(line).contains("reporter=\"source\"",
                "source_principal=\"" + productpage + "\"", "destination_principal=\"" + reviews + "\"",
                "connection_security_policy=\"unknown\"").endsWith(" 1"));
        assertThat(lines).anySatisfy(line -> assertThat(line).contains("source_principal=\"unknown\"",
                "destination_principal=\"unknown\"").endsWith(" 1"));
    }

    @Test
    void requestAndResponseBytesCountHeadersAsEnvoyDoesPlusTheBody() {
        RequestContext[] contexts = exchange(200, null);
        RequestContext outbound = contexts[0];
        long requestHeaders = ("GET".length() + ":method".length() + "/reviews/1".length() + ":path".length())
                + PeerMetadataCodec.HEADER.length() + PeerMetadataCodec.encode(PRODUCTPAGE).length()
                + PeerMetadataCodec.ID_HEADER.length()
                + "sidecar~127.0.0.1~productpage-v1.default~default.svc.cluster.local".length();
        assertThat(outbound.requestHeaderBytes()).isEqualTo(requestHeaders);
        assertThat(outbound.responseHeaderBytes()).isEqualTo(":status".length() + 3);
        outbound.addBytesReceived(1000);
        client.onComplete(outbound);
        assertThat(clientMetrics.scrape()).contains("istio_request_bytes_sum{")
                .containsPattern("istio_request_bytes_sum\\{[^}]*\\} " + (requestHeaders + 1000) + "\n");
    }

    @Test
    void everyLabelOfIstiosSetIsPresent() {
        RequestContext[] contexts = exchange(200, null);
        client.onComplete(contexts[0]);
        String line = series(clientMetrics.scrape(), "istio_requests_total{").getFirst();
        for (String label : IstioMetrics.REQUEST_LABELS) {
            assertThat(line).as(label).containsPattern("[{,]" + label + "=\"");
        }
        assertThat(line.chars().filter(c -> c == '=').count()).isEqualTo(IstioMetrics.REQUEST_LABELS.size());
    }

    @Test
    void outcomesAreSeparateSeriesAndLabelSetsAreCached() {
        for (int i = 0; i < 25; i++) {
            client.onComplete(exchange(200, null)[0]);
        }
        for (int i = 0; i < 5; i++) {
            client.onComplete(exchange(503, null)[0]);
        }
        RequestContext failed = new RequestContext("virtualOutbound", Direction.OUTBOUND, System.nanoTime())
                .request("GET", "reviews.default.svc.cluster.local:9080", "/", "HTTP/1.1");
        failed.cluster(CLUSTER);
        failed.addFlag(ResponseFlag.NO_HEALTHY_UPSTREAM);
        failed.responseCode(503);
        client.onComplete(failed);

        List<String> lines = series(clientMetrics.scrape(), "istio_requests_total{");
        assertThat(lines).hasSize(3);
        assertThat(lines).anySatisfy(l -> assertThat(l).contains("response_code=\"200\"").endsWith(" 25"));
        assertThat(lines).anySatisfy(l -> assertThat(l).contains("response_code=\"503\"", "response_flags=\"-\"")
                .endsWith(" 5"));
        assertThat(lines).anySatisfy(l -> assertThat(l).contains("response_code=\"503\"", "response_flags=\"UH\"",
                "destination_workload=\"unknown\"", "destination_version=\"unknown\"").endsWith(" 1"));
        assertThat(client.peer(PeerMetadataCodec.encode(REVIEWS)))
                .isSameAs(client.peer(PeerMetadataCodec.encode(REVIEWS)));
    }

    @Test
    void grpcRequestsCountMessagesAndCarryTheirStatus() {
        RequestContext[] contexts = exchange(200, "application/grpc+proto");
        RequestContext outbound = contexts[0];
        assertThat(outbound.grpc()).isTrue();
        outbound.countRequestMessages(io.netty.buffer.Unpooled.wrappedBuffer(new byte[]{0, 0, 0, 0, 1, 42}));
        outbound.countResponseMessages(io.netty.buffer.Unpooled.wrappedBuffer(
                new byte[]{0, 0, 0, 0, 1, 7, 0, 0, 0, 0, 0}));
        outbound.grpcStatus("0");
        client.onComplete(outbound);
        String text = clientMetrics.scrape();
        assertThat(series(text, "istio_requests_total{")).singleElement().asString()
                .contains("request_protocol=\"grpc\"", "grpc_response_status=\"0\"");
        assertThat(series(text, "istio_request_messages_total{")).singleElement().asString().endsWith(" 1");
        assertThat(series(text, "istio_response_messages_total{")).singleElement().asString().endsWith(" 2");
    }

    @Test
    void tcpConnectionsReportOpenedClosedAndBytes() {
        RequestContext tcp = new RequestContext("virtualOutbound", Direction.OUTBOUND, System.nanoTime());
        tcp.cluster("outbound|5432||db.data.svc.cluster.local");
        client.onConnectionOpened(tcp);
        tcp.addBytesReceived(120);
        tcp.addBytesSent(4000);
        client.onComplete(tcp);
        String text = clientMetrics.scrape();
        assertThat(series(text, "istio_tcp_connections_opened_total{")).singleElement().asString()
                .contains("request_protocol=\"tcp\"", "destination_service_name=\"db\"",
                        "destination_service_namespace=\"data\"", "reporter=\"source\"")
                .endsWith(" 1");
        assertThat(series(text, "istio_tcp_connections_closed_total{")).singleElement().asString().endsWith(" 1");
        assertThat(series(text, "istio_tcp_sent_bytes_total{")).singleElement().asString().endsWith(" 4000");
        assertThat(series(text, "istio_tcp_received_bytes_total{")).singleElement().asString().endsWith(" 120");
        assertThat(text).doesNotContain("istio_requests_total{");
    }

    @Test
    void inboundHostsBeyondTheBoundReportAnUnknownService() {
        for (int i = 0; i < IstioTelemetry.MAX_INBOUND_HOSTS + 10; i++) {
            RequestContext inbound = new RequestContext("inbound|9080", Direction.INBOUND, System.nanoTime())
                    .request("GET", "host-" + i + ".example:9080", "/", "HTTP/1.1");
            inbound.responseCode(200);
            server.onComplete(inbound);
        }
        List<String> lines = series(serverMetrics.scrape(), "istio_requests_total{");
        assertThat(lines).hasSize(IstioTelemetry.MAX_INBOUND_HOSTS + 1);
        assertThat(lines).anySatisfy(l -> assertThat(l).contains("destination_service=\"unknown\"").endsWith(" 10"));
    }

    @Test
    void unreadablePeerMetadataCountsAsAnUnknownPeer() {
        RequestContext inbound = new RequestContext("inbound|9080", Direction.INBOUND, System.nanoTime())
                .request("GET", "reviews:9080", "/", "HTTP/1.1");
        HttpHeaders request = new DefaultHttpHeaders().set(PeerMetadataCodec.HEADER, "%%% not base64");
        server.onRequestHeaders(inbound, request);
        inbound.responseCode(200);
        server.onComplete(inbound);
        assertThat(series(serverMetrics.scrape(), "istio_requests_total{")).singleElement().asString()
                .contains("source_workload=\"unknown\"", "destination_service=\"reviews.default.svc.cluster.local\"");
    }

    static List<String> series(String exposition, String prefix) {
        return Arrays.stream(exposition.split("\n")).filter(l -> l.startsWith(prefix)).toList();
    }
}
