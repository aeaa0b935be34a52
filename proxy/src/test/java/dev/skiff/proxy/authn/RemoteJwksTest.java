package dev.skiff.proxy.authn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A remote key set: fetched off the caller's thread, cached for its duration, refreshed, kept when a fetch fails. */
class RemoteJwksTest {
    private final AtomicInteger fetches = new AtomicInteger();
    private final AtomicInteger status = new AtomicInteger(200);
    private final AtomicLong now = new AtomicLong();
    private HttpServer server;
    private ExecutorService executor;
    private HttpClient client;
    private byte[] body;

    @BeforeEach
    void start() throws Exception {
        RSAKey key = new RSAKeyGenerator(2048).keyID("k1").generate();
        body = new JWKSet(key.toPublicJWK()).toString().getBytes(StandardCharsets.UTF_8);
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/jwks", exchange -> {
            fetches.incrementAndGet();
            exchange.sendResponseHeaders(status.get(), body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        executor = Executors.newSingleThreadExecutor();
        client = HttpClient.newBuilder().executor(executor).build();
    }

    @AfterEach
    void stop() {
        server.stop(0);
        client.close();
        executor.shutdownNow();
    }

    private RemoteJwks jwks() {
        return new RemoteJwks(URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/jwks"),
                Duration.ofSeconds(5), Duration.ofMinutes(5), client, now::get);
    }

    @Test
    void theFirstFetchCompletesReadyAndTheKeysAreCachedThenRefreshed() throws Exception {
        RemoteJwks jwks = jwks();

        jwks.ready().get(10, TimeUnit.SECONDS);
        assertThat(jwks.keys().getKeyByKeyId("k1")).isNotNull();
        jwks.keys();
        assertThat(fetches.get()).as("cached").isEqualTo(1);

        now.addAndGet(Duration.ofMinutes(6).toNanos());
        assertThat(jwks.keys().getKeyByKeyId("k1")).as("stale keys serve while the refresh runs").isNotNull();
        await().atMost(Duration.ofSeconds(10)).until(() -> fetches.get() == 2);
    }

    @Test
    void aFailedFetchKeepsThePreviousKeysAndRetries() throws Exception {
        RemoteJwks jwks = jwks();
        jwks.ready().get(10, TimeUnit.SECONDS);

        status.set(500);
        now.addAndGet(Duration.ofMinutes(6).toNanos());
        jwks.keys();
        await().atMost(Duration.ofSeconds(10)).until(() -> fetches.get() == 2);
        now.addAndGet(Duration.ofMillis(500).toNanos());
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(jwks.keys().getKeyByKeyId("k1")).isNotNull());
        assertThat(fetches.get()).as("no retry before a second has passed").isEqualTo(2);

        now.addAndGet(Duration.ofSeconds(1).toNanos());
        jwks.keys();
        await().atMost(Duration.ofSeconds(10)).until(() -> fetches.get() == 3);
    }

    @Test
    void aFirstFetchThatFailsLeavesAnEmptySet() throws Exception {
        status.set(404);
        RemoteJwks jwks = jwks();

        jwks.ready().get(10, TimeUnit.SECONDS);

        assertThat(jwks.keys().getKeys()).isEmpty();
    }
}
