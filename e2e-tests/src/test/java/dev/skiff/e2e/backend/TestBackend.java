package dev.skiff.e2e.backend;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Queue;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A plain HTTP/1.1 backend for end-to-end tests, running in the test's JVM. Every answer names the instance
 * ({@code <name>\n} as the body and an {@code x-backend} header). Paths:
 * <ul>
 *   <li>{@code /status/CODE}: answers with that status;</li>
 *   <li>{@code /delay/MILLIS}: answers 200 after that long;</li>
 *   <li>{@code /flaky/ID}: answers 503 to the first request for that ID, 200 to the later ones;</li>
 *   <li>{@code /headers/...}: answers 200 with the request's method, Host and headers ({@code name: value}
 *       lines, names in lower case, sorted) after its name;</li>
 *   <li>{@code /call/HOST:PORT/PATH}: once {@link #callThrough} is set, calls {@code http://HOST:PORT/PATH}
 *       through the workload's sidecar, passing on the request id and trace headers as an instrumented
 *       application does, and answers with that call's status, its own name followed by that call's body;</li>
 *   <li>anything else: 200, or the configured failure status for a share of the requests
 *       ({@link #failPercent}), spread evenly and deterministically over the requests.</li>
 * </ul>
 */
public final class TestBackend implements AutoCloseable {

    /** The headers an instrumented application passes on from its request to the calls it makes. */
    private static final List<String> PROPAGATED = List.of("x-request-id", "traceparent", "tracestate", "b3",
            "x-b3-traceid", "x-b3-spanid", "x-b3-parentspanid", "x-b3-sampled", "x-b3-flags");

    private final String name;
    private final HttpServer server;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final AtomicLong requests = new AtomicLong();
    private final Set<String> flakySeen = ConcurrentHashMap.newKeySet();
    private final Queue<String> seen = new ConcurrentLinkedQueue<>();
    private volatile int failPercent;
    private volatile int failStatus = 503;
    private volatile HttpClient outbound;

    private TestBackend(String name, InetSocketAddress bind) throws IOException {
        this.name = name;
        this.server = HttpServer.create(bind, 64);
        server.setExecutor(executor);
        server.createContext("/", this::serve);
        server.start();
    }

    /** Starts a backend called {@code name} on {@code bind} (port 0 picks a free port). */
    public static TestBackend start(String name, InetSocketAddress bind) throws IOException {
        return new TestBackend(name, bind);
    }

    /** Makes {@code percent} % of the plain requests (0..100) fail with {@code status}. */
    public TestBackend failPercent(int percent, int status) {
        if (percent < 0 || percent > 100) {
            throw new IllegalArgumentException("percent: " + percent + " (expected: 0..100)");
        }
        this.failStatus = status;
        this.failPercent = percent;
        return this;
    }

    /** Makes {@code /call/...} requests go out through the sidecar's outbound listener at {@code sidecar}. */
    public TestBackend callThrough(InetSocketAddress sidecar) {
        this.outbound = HttpClient.newBuilder().proxy(ProxySelector.of(sidecar))
                .connectTimeout(Duration.ofSeconds(2)).build();
        return this;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** The IP address the backend listens on, as text. */
    public String host() {
        return server.getAddress().getAddress().getHostAddress();
    }

    /** Every request received so far as {@code METHOD path Host}, in order. */
    public List<String> seen() {
        return List.copyOf(seen);
    }

    /** Requests answered so far. */
    public long requests() {
        return requests.get();
    }

    private void serve(HttpExchange exchange) throws IOException {
        try (exchange; InputStream body = exchange.getRequestBody()) {
            body.transferTo(OutputStream.nullOutputStream());
            long n = requests.getAndIncrement();
            String path = exchange.getRequestURI().getPath();
            seen.add(exchange.getRequestMethod() + " " + path + " " + exchange.getRequestHeaders().getFirst("Host"));
            int status = 200;
            String extra = "";
            if (path.startsWith("/status/")) {
                status = Integer.parseInt(path.substring("/status/".length()));
            } else if (path.startsWith("/delay/")) {
                try {
                    Thread.sleep(Long.parseLong(path.substring("/delay/".length())));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            } else if (path.startsWith("/flaky/")) {
                status = flakySeen.add(path) ? 503 : 200;
            } else if (path.startsWith("/headers/")) {
                extra = describeRequest(exchange);
            } else if (path.startsWith("/call/") && outbound != null) {
                HttpResponse<String> called = call(exchange, path.substring("/call/".length()));
                status = called.statusCode();
                extra = called.body();
            } else if ((n + 1) * failPercent / 100 > n * failPercent / 100) {
                status = failStatus;
            }
            byte[] answer = (name + "\n" + extra).getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("x-backend", name);
            exchange.getResponseHeaders().set("content-type", "text/plain");
            exchange.sendResponseHeaders(status, answer.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(answer);
            }
        }
    }

    private static String describeRequest(HttpExchange exchange) {
        StringBuilder out = new StringBuilder(exchange.getRequestMethod()).append('\n');
        new TreeMap<>(exchange.getRequestHeaders()).forEach((header, values) -> {
            for (String value : values) {
                out.append(header.toLowerCase(Locale.ROOT)).append(": ").append(value).append('\n');
            }
        });
        return out.toString();
    }

    private HttpResponse<String> call(HttpExchange exchange, String target) throws IOException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://" + target))
                .timeout(Duration.ofSeconds(5));
        for (String header : PROPAGATED) {
            String value = exchange.getRequestHeaders().getFirst(header);
            if (value != null) {
                request.header(header, value);
            }
        }
        try {
            return outbound.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted calling " + target, e);
        }
    }

    @Override
    public void close() {
        HttpClient client = outbound;
        if (client != null) {
            client.close();
        }
        server.stop(0);
        executor.close();
    }
}
