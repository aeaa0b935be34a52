package dev.skiff.proxy.transport;

import dev.skiff.proxy.ProxyRuntime;
import dev.skiff.proxy.ProxyRuntimeOptions;
import dev.skiff.proxy.filter.RequestContext;
import dev.skiff.proxy.model.ClusterSpec;
import dev.skiff.proxy.model.LbPolicy;
import dev.skiff.proxy.model.UpstreamProtocol;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.ConcurrentLinkedQueue;

import static dev.skiff.proxy.transport.TestMesh.OUTBOUND;
import static dev.skiff.proxy.transport.TestMesh.REVIEWS_CLUSTER;
import static dev.skiff.proxy.transport.TestMesh.loopback;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** HTTP/1.1 downstream, HTTP/2 between the two proxies, HTTP/1.1 to the application. */
@ExtendWith(NoLeaks.class)
class ProtocolBridgingTest {

    private final ConcurrentLinkedQueue<RequestContext> completed = new ConcurrentLinkedQueue<>();
    private TestBackend backend;
    private ProxyRuntime runtime;
    private InetSocketAddress outbound;

    @BeforeEach
    void start() {
        backend = new TestBackend("app");
        runtime = new ProxyRuntime(ProxyRuntimeOptions.defaults().withEventLoopThreads(1)
                .withRequestListener(completed::add));
        runtime.apply(mesh(loopback(1)).build("1"));
        InetSocketAddress inbound = runtime.boundAddress("inbound|9080").orElseThrow();
        runtime.apply(mesh(inbound).build("2"));
        outbound = runtime.boundAddress(OUTBOUND).orElseThrow();
    }

    private TestMesh mesh(InetSocketAddress reviews) {
        return new TestMesh().outbound()
                .inbound("inbound|9080", loopback(0), backend.address())
                .cluster(new ClusterSpec(REVIEWS_CLUSTER, LbPolicy.LEAST_REQUEST, UpstreamProtocol.HTTP2,
                        Duration.ofSeconds(2), false))
                .endpoints(REVIEWS_CLUSTER, reviews);
    }

    @AfterEach
    void stop() {
        runtime.close();
        backend.close();
    }

    @Test
    void chunkedHttp1RequestsCrossAnHttp2Hop() {
        try (RawHttpClient client = new RawHttpClient(outbound)) {
            for (int i = 0; i < 3; i++) {
                client.send("POST /bridge" + i + " HTTP/1.1\r\nHost: reviews:9080\r\nTransfer-Encoding: chunked\r\n\r\n");
                client.sendChunk("part-one;");
                client.sendChunk("part-two");
                client.sendLastChunk();
                RawHttpClient.Response response = client.readResponse();
                assertThat(response.status()).isEqualTo(200);
                assertThat(response.body()).isEqualTo("app /bridge" + i + "\npart-one;part-two");
                assertThat(response.header("x-http2-stream-id")).isNull();
                assertThat(response.header("x-seen-host")).isEqualTo("reviews:9080");
            }
        }
        await().until(() -> completed.stream().anyMatch(c -> c.listenerName().equals("inbound|9080")
                && c.protocol().equals("HTTP/2")));
        assertThat(backend.connections()).isEqualTo(1);
    }

    @Test
    void clientsAskingForAnH2cUpgradeAreServedOverHttp1() throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2)
                .proxy(ProxySelector.of(outbound)).build();
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create("http://reviews:9080/up"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.version()).isEqualTo(HttpClient.Version.HTTP_1_1);
        assertThat(response.body()).isEqualTo("app /up\n");
    }
}
