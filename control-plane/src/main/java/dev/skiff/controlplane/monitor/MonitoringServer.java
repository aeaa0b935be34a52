package dev.skiff.controlplane.monitor;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.InvalidProtocolBufferException;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.skiff.controlplane.telemetry.ControlPlaneMetrics;
import dev.skiff.controlplane.xds.TypeUrls;
import dev.skiff.controlplane.xds.XdsResource;
import dev.skiff.controlplane.xds.server.ConnectedProxies;
import dev.skiff.controlplane.xds.server.Nack;
import dev.skiff.controlplane.xds.server.ProxyStatus;
import dev.skiff.controlplane.xds.server.TypeStatus;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The control plane's HTTP monitoring port:
 * <ul>
 *   <li>{@code GET /ready}: 200 {@code ready} once the first configuration snapshot was loaded, 503 before</li>
 *   <li>{@code GET /metrics}: the control plane's metrics in the Prometheus text format, with istiod's names</li>
 *   <li>{@code GET /debug/syncz}: per connected proxy, what was sent, ACKed and NACKed per type</li>
 *   <li>{@code GET /debug/config_dump?proxyID=<node id>}: what that proxy was last sent, as Envoy JSON</li>
 * </ul>
 */
public final class MonitoringServer implements AutoCloseable {
    public static final String DEFAULT_HOST = "127.0.0.1";
    public static final int DEFAULT_PORT = 15014;

    private static final Logger log = LoggerFactory.getLogger(MonitoringServer.class);
    private static final String TEXT = "text/plain; charset=utf-8";
    private static final String JSON = "application/json";
    private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";
    private static final Map<String, String> TYPE_KEYS = Map.of(
            TypeUrls.CLUSTER, "cds",
            TypeUrls.ENDPOINT, "eds",
            TypeUrls.LISTENER, "lds",
            TypeUrls.ROUTE, "rds");

    private final InetSocketAddress address;
    private final BooleanSupplier ready;
    private final ConnectedProxies proxies;
    private final ControlPlaneMetrics metrics;
    private final ObjectMapper mapper = new ObjectMapper();
    private ExecutorService executor;
    private HttpServer server;

    /**
     * @param address where to listen; port 0 picks a free port (see {@link #port()})
     * @param ready   true once the first configuration snapshot was loaded
     * @param proxies the connected xDS streams
     */
    public MonitoringServer(InetSocketAddress address, BooleanSupplier ready, ConnectedProxies proxies) {
        this(address, ready, proxies, new ControlPlaneMetrics());
    }

    /**
     * @param address where to listen; port 0 picks a free port (see {@link #port()})
     * @param ready   true once the first configuration snapshot was loaded
     * @param proxies the connected xDS streams
     * @param metrics what {@code /metrics} exports
     */
    public MonitoringServer(InetSocketAddress address, BooleanSupplier ready, ConnectedProxies proxies,
                            ControlPlaneMetrics metrics) {
        this.address = Objects.requireNonNull(address, "address");
        this.ready = Objects.requireNonNull(ready, "ready");
        this.proxies = Objects.requireNonNull(proxies, "proxies");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
    }

    /** Binds and starts serving; each request runs on its own virtual thread. */
    public synchronized MonitoringServer start() {
        if (server != null) {
            throw new IllegalStateException("monitoring server on " + address + " is already started");
        }
        HttpServer http;
        try {
            http = HttpServer.create(address, 0);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen for monitoring on " + address + ": " + e.getMessage(), e);
        }
        executor = Executors.newVirtualThreadPerTaskExecutor();
        http.setExecutor(executor);
        http.createContext("/", this::handle);
        http.start();
        server = http;
        log.info("monitoring server listening on {}:{}", address.getHostString(), port());
        return this;
    }

    /** The bound port (the actual one when started with port 0). */
    public synchronized int port() {
        if (server == null) {
            throw new IllegalStateException("monitoring server on " + address + " is not started (call start() first)");
        }
        return server.getAddress().getPort();
    }

    @Override
    public synchronized void close() {
        if (server != null) {
            server.stop(0);
            executor.close();
            server = null;
        }
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            try {
                route(exchange);
            } catch (RuntimeException e) {
                log.error("monitoring request {} failed", exchange.getRequestURI(), e);
                if (exchange.getResponseCode() == -1) {
                    respond(exchange, 500, TEXT, "internal error: " + e + "\n");
                }
            }
        }
    }

    private void route(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        boolean known = switch (path) {
            case "/ready", "/metrics", "/debug/syncz", "/debug/config_dump" -> true;
            default -> false;
        };
        if (!known) {
            respond(exchange, 404, TEXT, "no such endpoint: " + path
                    + " (expected /ready, /metrics, /debug/syncz or /debug/config_dump?proxyID=<id>)\n");
            return;
        }
        if (!"GET".equals(exchange.getRequestMethod())) {
            exchange.getResponseHeaders().set("Allow", "GET");
            respond(exchange, 405, TEXT, exchange.getRequestMethod() + " is not allowed on " + path
                    + " (expected GET)\n");
            return;
        }
        switch (path) {
            case "/ready" -> ready(exchange);
            case "/metrics" -> respond(exchange, 200, PROMETHEUS_TEXT, metrics.scrape());
            case "/debug/syncz" -> respond(exchange, 200, JSON, mapper.writeValueAsString(syncz()));
            default -> configDump(exchange);
        }
    }

    private void ready(HttpExchange exchange) throws IOException {
        if (ready.getAsBoolean()) {
            respond(exchange, 200, TEXT, "ready");
        } else {
            respond(exchange, 503, TEXT, "not ready: no configuration snapshot loaded yet");
        }
    }

    private ArrayNode syncz() {
        ArrayNode array = mapper.createArrayNode();
        for (ProxyStatus status : proxies.all()) {
            ObjectNode proxy = array.addObject();
            proxy.put("proxyID", status.proxy().id());
            proxy.put("connectionID", status.connectionId());
            proxy.put("kind", status.proxy().kind().name());
            proxy.put("workload", status.proxy().workload());
            proxy.put("namespace", status.proxy().namespace());
            proxy.put("protocol", status.protocol().name());
            proxy.put("connectedSince", status.connectedSince().toString());
            for (String typeUrl : TypeUrls.PUSH_ORDER) {
                TypeStatus type = status.types().get(typeUrl);
                if (type == null) {
                    proxy.putNull(TYPE_KEYS.get(typeUrl));
                    continue;
                }
                ObjectNode node = proxy.putObject(TYPE_KEYS.get(typeUrl));
                node.put("typeUrl", typeUrl);
                node.put("sentVersion", type.sentVersion());
                node.put("sentNonce", type.sentNonce());
                node.put("ackedVersion", type.ackedVersion());
                node.put("resources", type.resources().size());
                Nack nack = type.lastNack();
                if (nack == null) {
                    node.putNull("lastNack");
                } else {
                    ObjectNode nackNode = node.putObject("lastNack");
                    nackNode.put("version", nack.version());
                    nackNode.put("nonce", nack.nonce());
                    nackNode.put("message", nack.message());
                    nackNode.put("time", nack.time().toString());
                }
            }
        }
        return array;
    }

    private void configDump(HttpExchange exchange) throws IOException {
        Optional<String> proxyId = queryParameter(exchange.getRequestURI().getRawQuery(), "proxyID");
        if (proxyId.isEmpty() || proxyId.get().isEmpty()) {
            respond(exchange, 400, TEXT, "missing query parameter proxyID "
                    + "(expected /debug/config_dump?proxyID=<node id>; see /debug/syncz for connected proxies)\n");
            return;
        }
        Optional<ProxyStatus> status = proxies.find(proxyId.get());
        if (status.isEmpty()) {
            respond(exchange, 404, TEXT, "no connected proxy with id '" + proxyId.get()
                    + "' (see /debug/syncz for connected proxies)\n");
            return;
        }
        respond(exchange, 200, JSON, mapper.writeValueAsString(configDump(status.get())));
    }

    private ObjectNode configDump(ProxyStatus status) throws IOException {
        ObjectNode dump = mapper.createObjectNode();
        dump.put("proxyID", status.proxy().id());
        dump.put("connectionID", status.connectionId());
        ArrayNode configs = dump.putArray("configs");
        for (TypeStatus type : status.types().values()) {
            ObjectNode config = configs.addObject();
            config.put("typeUrl", type.typeUrl());
            config.put("versionInfo", type.sentVersion());
            config.put("nonce", type.sentNonce());
            config.put("ackedVersion", type.ackedVersion());
            ArrayNode resources = config.putArray("resources");
            for (XdsResource resource : type.resources()) {
                ObjectNode entry = resources.addObject();
                entry.put("name", resource.name());
                entry.put("version", resource.version());
                try {
                    entry.set("resource", mapper.readTree(EnvoyJson.print(resource.body())));
                } catch (InvalidProtocolBufferException e) {
                    entry.put("error", "cannot print " + resource.body().getTypeUrl() + " as JSON: "
                            + e.getMessage());
                }
            }
        }
        return dump;
    }

    private static Optional<String> queryParameter(String rawQuery, String name) {
        if (rawQuery == null) {
            return Optional.empty();
        }
        for (String pair : rawQuery.split("&")) {
            int eq = pair.indexOf('=');
            String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            if (key.equals(name)) {
                return Optional.of(eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return Optional.empty();
    }

    private static void respond(HttpExchange exchange, int status, String contentType, String body)
            throws IOException {
        exchange.getResponseHeaders().set("Content-Type", contentType);
        if ("HEAD".equals(exchange.getRequestMethod())) {
            exchange.sendResponseHeaders(status, -1);
            return;
        }
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }
}
