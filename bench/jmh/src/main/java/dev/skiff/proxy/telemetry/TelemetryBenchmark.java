package dev.skiff.proxy.telemetry;

import dev.skiff.proxy.filter.RequestContext;
import dev.skiff.proxy.model.Direction;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The Istio standard metrics a sidecar records per finished request (request count, duration, request and response
 * size under the full Istio label set) on the outbound side and, with the caller's peer metadata, on the inbound
 * side; and the peer metadata exchange on a request head. The label sets are warm, as they are after the first
 * request to a service.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class TelemetryBenchmark {

    private IstioTelemetry telemetry;
    private RequestContext outbound;
    private RequestContext inbound;
    private HttpHeaders requestHeaders;

    @Setup
    public void setUp() {
        WorkloadMetadata local = new WorkloadMetadata("productpage-v1", "default", "productpage-v1",
                Map.of("app", "productpage", "version", "v1"), WorkloadMetadata.DEFAULT_CLUSTER_ID);
        WorkloadMetadata caller = new WorkloadMetadata("gateway", "istio-system", "gateway",
                Map.of("app", "gateway", "version", "v1"), WorkloadMetadata.DEFAULT_CLUSTER_ID);
        telemetry = new IstioTelemetry(new IstioMetrics(), local,
                "sidecar~127.0.30.1~productpage-v1.default~default.svc.cluster.local");

        outbound = new RequestContext("0.0.0.0_9080", Direction.OUTBOUND, System.nanoTime());
        outbound.request("GET", "reviews.default.svc.cluster.local:9080", "/reviews/0", "HTTP/1.1");
        outbound.cluster("outbound|9080|v1|reviews.default.svc.cluster.local");
        outbound.responseCode(200);
        outbound.addBytesReceived(180);
        outbound.addBytesSent(1024);

        inbound = new RequestContext("virtualInbound", Direction.INBOUND, System.nanoTime());
        inbound.request("GET", "productpage.default.svc.cluster.local:9080", "/productpage", "HTTP/1.1");
        inbound.cluster("inbound|9080||");
        inbound.peerMetadata(PeerMetadataCodec.encode(caller));
        inbound.responseCode(200);
        inbound.addBytesReceived(220);
        inbound.addBytesSent(5120);

        requestHeaders = new DefaultHttpHeaders();
        requestHeaders.set("host", "reviews.default.svc.cluster.local:9080");
        requestHeaders.set("user-agent", "python-requests/2.31");
        requestHeaders.set("accept", "*/*");
        telemetry.onComplete(outbound);
        telemetry.onComplete(inbound);
    }

    /** Recording a finished outbound request (reporter source). */
    @Benchmark
    public void recordOutbound() {
        telemetry.onComplete(outbound);
    }

    /** Recording a finished inbound request whose caller sent its peer metadata (reporter destination). */
    @Benchmark
    public void recordInbound() {
        telemetry.onComplete(inbound);
    }

    /** Adding this sidecar's peer metadata to an outbound request head. */
    @Benchmark
    public HttpHeaders peerExchangeOnRequest() {
        telemetry.onRequestHeaders(outbound, requestHeaders);
        return requestHeaders;
    }
}
