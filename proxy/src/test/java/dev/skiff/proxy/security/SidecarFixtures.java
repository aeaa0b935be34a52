package dev.skiff.proxy.security;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.skiff.proxy.model.ClusterSpec;
import dev.skiff.proxy.model.LbPolicy;
import dev.skiff.proxy.model.UpstreamProtocol;
import dev.skiff.proxy.model.UpstreamTransport;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** The parts the sidecar-to-sidecar TLS tests share: the application behind the server and how they read logs. */
final class SidecarFixtures {

    static final String BACKEND_BODY = "hello from reviews";

    private SidecarFixtures() {
    }

    /** An HTTP/1.1 application on loopback answering every request with 200 and {@link #BACKEND_BODY}. */
    static HttpServer startBackend() throws IOException {
        HttpServer backend = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        backend.createContext("/", exchange -> {
            byte[] body = BACKEND_BODY.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        backend.start();
        return backend;
    }

    /** An HTTP/1.1 round-robin cluster with a two-second connect timeout. */
    static ClusterSpec cluster(String name, boolean isStatic, UpstreamTransport transport) {
        return new ClusterSpec(name, LbPolicy.ROUND_ROBIN, UpstreamProtocol.HTTP1, Duration.ofSeconds(2), isStatic,
                transport);
    }

    /** The last line of a JSON access log. */
    static JsonNode lastLine(ByteArrayOutputStream log) throws IOException {
        String[] lines = log.toString(StandardCharsets.UTF_8).split("\n");
        assertThat(lines[lines.length - 1]).isNotBlank();
        return new ObjectMapper().readTree(lines[lines.length - 1]);
    }
}
