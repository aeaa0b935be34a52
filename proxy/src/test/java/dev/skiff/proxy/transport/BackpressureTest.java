package dev.skiff.proxy.transport;

import dev.skiff.proxy.ProxyRuntime;
import dev.skiff.proxy.ProxyRuntimeOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;

import static dev.skiff.proxy.transport.TestMesh.OUTBOUND;
import static dev.skiff.proxy.transport.TestMesh.REVIEWS_CLUSTER;
import static dev.skiff.proxy.transport.TestMesh.loopback;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Large bodies through two proxies with a client that reads in small steps: the proxies must stop reading the side
 * that is ahead and resume it, without losing, reordering or leaking bytes.
 */
@ExtendWith(NoLeaks.class)
class BackpressureTest {

    private TestBackend backend;
    private ProxyRuntime runtime;
    private InetSocketAddress outbound;

    @BeforeEach
    void start() {
        backend = new TestBackend("app");
        runtime = new ProxyRuntime(ProxyRuntimeOptions.defaults().withEventLoopThreads(2));
        runtime.apply(new TestMesh().inbound("inbound|9080", loopback(0), backend.address()).build("1"));
        InetSocketAddress inbound = runtime.boundAddress("inbound|9080").orElseThrow();
        runtime.apply(new TestMesh().outbound().inbound("inbound|9080", loopback(0), backend.address())
                .endpoints(REVIEWS_CLUSTER, inbound).build("2"));
        outbound = runtime.boundAddress(OUTBOUND).orElseThrow();
    }

    @AfterEach
    void stop() {
        runtime.close();
        backend.close();
    }

    @Test
    void largeResponsesArriveIntactWhenTheClientIsSlow() {
        readBig(outbound);
    }

    @Test
    void largeResponsesThroughOneProxy() {
        readBig(runtime.boundAddress("inbound|9080").orElseThrow());
    }

    private void readBig(InetSocketAddress target) {
        int chunks = 128;
        try (RawHttpClient client = new RawHttpClient(target)) {
            client.send("GET /big/" + chunks + " HTTP/1.1\r\nHost: reviews:9080\r\n\r\n");
            assertThat(client.readHead().status()).isEqualTo(200);
            assertThat(client.readChunk()).isEqualTo("app /big/" + chunks + "\n");
            long offset = 0;
            int chunkIndex = 0;
            int position = 0;
            String chunk;
            while ((chunk = client.readChunk()) != null) {
                byte[] bytes = chunk.getBytes(StandardCharsets.US_ASCII);
                for (byte b : bytes) {
                    if (b != 'a' + (chunkIndex + position) % 26) {
                        throw new AssertionError("byte " + (offset + position) + " of chunk " + chunkIndex
                                + ": " + (char) b + " (expected: " + (char) ('a' + (chunkIndex + position) % 26) + ")");
                    }
                    position++;
                    if (position == TestBackend.BIG_CHUNK) {
                        position = 0;
                        chunkIndex++;
                    }
                }
                offset += bytes.length;
            }
            assertThat(offset).isEqualTo((long) chunks * TestBackend.BIG_CHUNK);
        }
    }

    @Test
    void largeUploadsStreamThroughWhileTheEchoIsReadBack() throws Exception {
        int parts = 64;
        String part = "0123456789abcdef".repeat(4096);
        try (RawHttpClient client = new RawHttpClient(outbound)) {
            client.send("POST /upload HTTP/1.1\r\nHost: reviews:9080\r\nTransfer-Encoding: chunked\r\n\r\n");
            CompletableFuture<Void> upload = CompletableFuture.runAsync(() -> {
                for (int i = 0; i < parts; i++) {
                    client.sendChunk(part);
                }
                client.sendLastChunk();
            }, runnable -> Thread.ofVirtual().start(runnable));
            assertThat(client.readHead().status()).isEqualTo(200);
            assertThat(client.readChunk()).isEqualTo("app /upload\n");
            long received = 0;
            String chunk;
            while ((chunk = client.readChunk()) != null) {
                assertThat(part).contains(chunk.substring(0, Math.min(16, chunk.length())));
                received += chunk.length();
            }
            upload.get();
            assertThat(received).isEqualTo((long) parts * part.length());
        }
    }
}
