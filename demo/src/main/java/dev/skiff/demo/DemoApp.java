package dev.skiff.demo;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Executors;

/**
 * The demo's application: a tiny HTTP server that says which service, version and instance answered. A frontend
 * instance also calls an upstream service through its own sidecar (as an HTTP proxy) and includes that answer.
 */
final class DemoApp implements AutoCloseable {
    private final HttpServer server;
    private final String service;
    private final String version;
    private final String instance;
    private final URI upstream;
    private final HttpClient client;

    /**
     * @param bind     where the app listens (its sidecar forwards inbound traffic here)
     * @param upstream a mesh URL to call on each request, or {@code null}
     * @param sidecar  the app's sidecar outbound listener, used as HTTP proxy for {@code upstream}
     */
    DemoApp(InetSocketAddress bind, String service, String version, String instance, URI upstream,
            InetSocketAddress sidecar) throws IOException {
        this.service = service;
        this.version = version;
        this.instance = instance;
        this.upstream = upstream;
        this.client = upstream == null ? null : HttpClient.newBuilder()
                .proxy(ProxySelector.of(sidecar))
                .connectTimeout(Duration.ofSeconds(2))
                .executor(Executors.newVirtualThreadPerTaskExecutor())
                .build();
        this.server = HttpServer.create(bind, 128);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", this::handle);
        server.start();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange; InputStream body = exchange.getRequestBody()) {
            body.transferTo(OutputStreamSink.INSTANCE);
            String self = "{\"service\":\"" + service + "\",\"version\":\"" + version + "\",\"instance\":\"" + instance + "\"";
            String answer;
            int status = 200;
            if (upstream == null) {
                answer = self + "}";
            } else {
                HttpRequest.Builder call = HttpRequest.newBuilder(upstream).timeout(Duration.ofSeconds(5));
                String endUser = exchange.getRequestHeaders().getFirst("end-user");
                if (endUser != null) {
                    call.header("end-user", endUser);
                }
                try {
                    HttpResponse<String> reply = client.send(call.build(), HttpResponse.BodyHandlers.ofString());
                    status = reply.statusCode();
                    answer = self + ",\"upstream\":" + quoteIfNotJson(reply.body()) + "}";
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    status = 503;
                    answer = self + ",\"error\":\"interrupted\"}";
                } catch (IOException e) {
                    status = 502;
                    answer = self + ",\"error\":\"" + e.getClass().getSimpleName() + "\"}";
                }
            }
            byte[] bytes = (answer + "\n").getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("content-type", "application/json");
            exchange.sendResponseHeaders(status, bytes.length);
            exchange.getResponseBody().write(bytes);
        }
    }

    private static String quoteIfNotJson(String body) {
        String trimmed = body.strip();
        if (trimmed.startsWith("{") && trimmed.endsWith("}")) {
            return trimmed;
        }
        return "\"" + trimmed.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    @Override
    public void close() {
        server.stop(0);
        if (client != null) {
            client.close();
        }
    }

    /** Discards a request body. */
    private static final class OutputStreamSink extends java.io.OutputStream {
        static final OutputStreamSink INSTANCE = new OutputStreamSink();

        @Override
        public void write(int b) {
        }

        @Override
        public void write(byte[] b, int off, int len) {
        }
    }
}
