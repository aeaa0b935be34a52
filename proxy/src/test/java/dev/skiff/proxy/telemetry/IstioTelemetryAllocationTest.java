package dev.skiff.proxy.telemetry;

import dev.skiff.proxy.filter.RequestContext;
import dev.skiff.proxy.model.Direction;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Recording a request whose label set was seen before allocates nothing: every label is resolved and cached, with
 * or without the principals of a mutual TLS upstream connection.
 */
class IstioTelemetryAllocationTest {

    private static final int REQUESTS = 2_000;

    @Test
    void recordingAKnownLabelSetAllocatesNothing() {
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        IstioTelemetry telemetry = new IstioTelemetry(new IstioMetrics(), new WorkloadMetadata("productpage-v1",
                "default", "productpage-v1", Map.of("app", "productpage"), "Kubernetes"), "sidecar~a~b~c");
        String peer = PeerMetadataCodec.encode(new WorkloadMetadata("reviews-v2", "default", "reviews-v2",
                Map.of("app", "reviews", "version", "v2"), "Kubernetes"));
        ConnectionDetails upstream = new ConnectionDetails("127.0.0.1:40000", null, new TlsPrincipals(
                "spiffe://cluster.local/ns/default/sa/reviews", "spiffe://cluster.local/ns/default/sa/productpage"));
        RequestContext[] contexts = new RequestContext[REQUESTS];
        long allocated = 0;
        for (int round = 0; round < 10; round++) {
            for (int i = 0; i < REQUESTS; i++) {
                RequestContext context = new RequestContext("virtualOutbound", Direction.OUTBOUND, System.nanoTime())
                        .request("GET", "reviews:9080", "/", "HTTP/1.1");
                context.cluster("outbound|9080||reviews.default.svc.cluster.local");
                context.peerMetadata(new String(peer));
                context.upstreamConnection(i % 2 == 0 ? upstream : ConnectionDetails.NONE);
                context.responseCode(i % 6 == 0 ? 503 : 200);
                context.addBytesSent(i);
                contexts[i] = context;
            }
            long before = threads.getCurrentThreadAllocatedBytes();
            for (RequestContext context : contexts) {
                telemetry.onComplete(context);
            }
            allocated = threads.getCurrentThreadAllocatedBytes() - before;
        }
        assertThat(allocated / REQUESTS).as("bytes allocated per recorded request (%d in all)", allocated)
                .isZero();
    }
}
