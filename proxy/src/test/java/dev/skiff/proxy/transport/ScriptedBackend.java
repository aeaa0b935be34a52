package dev.skiff.proxy.transport;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * An HTTP/1.1 backend for policy tests that answers its requests from a script: the n-th request gets the n-th
 * step (status and delay), requests past the script get the last step. Each answer carries the request body back,
 * prefixed with the backend's name; every request's method, path, host and body are recorded.
 */
final class ScriptedBackend implements AutoCloseable {

    /** One answer: wait {@code delayMillis}, then answer {@code status}. */
    record Step(int status, long delayMillis) {
        static Step status(int status) {
            return new Step(status, 0);
        }

        static Step delayed(long millis) {
            return new Step(200, millis);
        }
    }

    /** What the backend saw of one request. */
    record Seen(String method, String path, String host, String body, java.util.Map<String, List<String>> headers) {
    }

    private final String name;
    private final List<Step> script;
    private final HttpServer server;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final ConcurrentLinkedQueue<Seen> seen = new ConcurrentLinkedQueue<>();

    ScriptedBackend(String name, Step... script) throws IOException {
        this.name = name;
        this.script = List.of(script);
        this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    private void handle(HttpExchange exchange) throws IOException {
        byte[] body;
        try (InputStream in = exchange.getRequestBody()) {
            body = in.readAllBytes();
        }
        int index = seen.size();
        seen.add(new Seen(exchange.getRequestMethod(), exchange.getRequestURI().toString(),
                exchange.getRequestHeaders().getFirst("Host"), new String(body, StandardCharsets.UTF_8),
                lowerCase(exchange.getRequestHeaders())));
        Step step = script.get(Math.min(index, script.size() - 1));
        if (step.delayMillis() > 0) {
            try {
                Thread.sleep(step.delayMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        byte[] answer = (name + " " + new String(body, StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8);
        try {
            exchange.sendResponseHeaders(step.status(), answer.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(answer);
            }
        } catch (IOException e) {
            exchange.close();
        }
    }

    private static java.util.Map<String, List<String>> lowerCase(java.util.Map<String, List<String>> headers) {
        java.util.Map<String, List<String>> lower = new java.util.TreeMap<>();
        headers.forEach((name, values) -> lower.put(name.toLowerCase(java.util.Locale.ROOT),
                values == null ? List.of() : new java.util.ArrayList<>(values)));
        return lower;
    }

    InetSocketAddress address() {
        return server.getAddress();
    }

    List<Seen> seen() {
        return List.copyOf(seen);
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
