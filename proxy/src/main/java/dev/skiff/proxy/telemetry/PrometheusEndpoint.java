package dev.skiff.proxy.telemetry;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Serves {@code GET /stats/prometheus} (Istio's merged-metrics port is 15090) in the Prometheus text format.
 * Scrapes run on virtual threads, away from the data plane's event loops.
 */
public final class PrometheusEndpoint implements AutoCloseable {

    /** The path Istio's sidecars serve their metrics on. */
    public static final String PATH = "/stats/prometheus";

    private final HttpServer server;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();

    /**
     * Binds {@code bind} and starts serving.
     *
     * @throws IllegalStateException when the address cannot be bound
     */
    public PrometheusEndpoint(InetSocketAddress bind, IstioMetrics metrics) {
        try {
            server = HttpServer.create(bind, 16);
        } catch (IOException e) {
            executor.close();
            throw new IllegalStateException("prometheus stats server: cannot bind " + bind + ": " + e.getMessage()
                    + " (expected: a free local address)", e);
        }
        server.setExecutor(executor);
        server.createContext("/", exchange -> serve(exchange, metrics));
        server.start();
    }

    private static void serve(HttpExchange exchange, IstioMetrics metrics) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            if (!exchange.getRequestURI().getPath().equals(PATH)) {
                reply(exchange, 404, "text/plain; charset=utf-8",
                        "unknown path " + exchange.getRequestURI().getPath() + " (expected: " + PATH + ")\n", method);
            } else if (!method.equals("GET") && !method.equals("HEAD")) {
                reply(exchange, 405, "text/plain; charset=utf-8", "method " + method + " (expected: GET)\n", method);
            } else {
                reply(exchange, 200, IstioMetrics.TEXT_FORMAT, metrics.scrape(), method);
            }
        }
    }

    private static void reply(HttpExchange exchange, int status, String contentType, String body, String method)
            throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", contentType);
        boolean head = method.equals("HEAD");
        exchange.sendResponseHeaders(status, head ? -1 : bytes.length);
        if (!head) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    public InetSocketAddress address() {
        return server.getAddress();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.close();
    }
}
