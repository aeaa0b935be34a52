package dev.skiff.proxy.admin;

import dev.skiff.proxy.ProxyRuntime;
import dev.skiff.proxy.model.CircuitBreakerSpec;
import dev.skiff.proxy.model.ListenerSpec;
import dev.skiff.proxy.transport.RuntimeState;
import dev.skiff.proxy.upstream.ClusterRuntime;
import dev.skiff.proxy.upstream.OutlierDetector;
import dev.skiff.proxy.upstream.UpstreamHost;
import io.netty.handler.codec.http.QueryStringDecoder;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The admin port (15000 in a sidecar), in Envoy's style:
 * <ul>
 *   <li>{@code /ready}: 200 {@code LIVE} once ready, else 503 {@code PRE_INITIALIZING};</li>
 *   <li>{@code /clusters}: one {@code cluster::host:port::stat::value} line per host statistic;</li>
 *   <li>{@code /config_dump}: the xDS configuration as JSON, as the xDS client provides it;</li>
 *   <li>{@code /runtime}: a JSON summary of what the data plane serves (version, bound listeners, clusters);</li>
 *   <li>{@code /stats}: the proxy's counters, one per line, for a human.</li>
 * </ul>
 */
public final class AdminServer implements AutoCloseable {

    private final SmallHttpServer server;
    private final ProxyRuntime runtime;
    private final Supplier<String> configDump;
    private final BooleanSupplier ready;
    private final Supplier<String> stats;

    /**
     * @param bind       where to listen
     * @param runtime    the data plane to report on (its event loops also serve the admin port)
     * @param configDump the raw configuration JSON, from the xDS client
     * @param ready      whether the proxy is ready to serve
     */
    public AdminServer(InetSocketAddress bind, ProxyRuntime runtime, Supplier<String> configDump,
                       BooleanSupplier ready) {
        this(bind, runtime, configDump, ready, () -> "");
    }

    /**
     * Like {@link #AdminServer(InetSocketAddress, ProxyRuntime, Supplier, BooleanSupplier)}, with {@code /stats}
     * answering what {@code stats} renders (one statistic per line, for a human).
     */
    public AdminServer(InetSocketAddress bind, ProxyRuntime runtime, Supplier<String> configDump,
                       BooleanSupplier ready, Supplier<String> stats) {
        this.stats = stats;
        this.runtime = runtime;
        this.configDump = configDump;
        this.ready = ready;
        this.server = new SmallHttpServer("admin", bind, runtime.eventLoopGroup(), this::handle);
    }

    public InetSocketAddress address() {
        return server.address();
    }

    private AdminReply handle(QueryStringDecoder query) {
        return switch (query.path()) {
            case "/ready" -> ready.getAsBoolean()
                    ? AdminReply.text(200, "LIVE\n")
                    : AdminReply.text(503, "PRE_INITIALIZING\n");
            case "/clusters" -> AdminReply.text(200, clusters(runtime.state()));
            case "/config_dump" -> AdminReply.json(configDump.get());
            case "/runtime" -> AdminReply.json(runtimeSummary(runtime.state()));
            case "/stats" -> AdminReply.text(200, stats.get());
            default -> AdminReply.text(404, "unknown path " + query.path()
                    + " (expected: /ready, /clusters, /config_dump, /runtime or /stats)\n");
        };
    }

    static String clusters(RuntimeState state) {
        StringBuilder out = new StringBuilder();
        List<ClusterRuntime> clusters = new ArrayList<>(state.clusters().all().values());
        clusters.sort(Comparator.comparing(ClusterRuntime::name));
        for (ClusterRuntime cluster : clusters) {
            String name = cluster.name();
            out.append(name).append("::observability_name::").append(name).append('\n');
            out.append(name).append("::lb_policy::").append(cluster.spec().lbPolicy()).append('\n');
            CircuitBreakerSpec thresholds = cluster.spec().policy().circuitBreakers();
            out.append(name).append("::default_priority::max_connections::").append(thresholds.maxConnections())
                    .append('\n');
            out.append(name).append("::default_priority::max_pending_requests::")
                    .append(thresholds.maxPendingRequests()).append('\n');
            out.append(name).append("::default_priority::max_requests::").append(thresholds.maxRequests())
                    .append('\n');
            out.append(name).append("::default_priority::max_retries::").append(thresholds.maxRetries())
                    .append('\n');
            OutlierDetector outliers = cluster.traffic().outlierDetector();
            for (UpstreamHost host : cluster.hosts()) {
                InetSocketAddress address = host.address();
                String prefix = name + "::" + address.getAddress().getHostAddress() + ":" + address.getPort() + "::";
                out.append(prefix).append("cx_active::").append(host.activeConnections()).append('\n');
                out.append(prefix).append("cx_connect_fail::").append(host.connectFailures()).append('\n');
                out.append(prefix).append("rq_active::").append(host.activeRequests()).append('\n');
                out.append(prefix).append("rq_total::").append(host.totalRequests()).append('\n');
                out.append(prefix).append("weight::").append(host.weight()).append('\n');
                String[] locality = host.endpoint().locality().split("/", -1);
                out.append(prefix).append("region::").append(locality.length > 0 ? locality[0] : "").append('\n');
                out.append(prefix).append("zone::").append(locality.length > 1 ? locality[1] : "").append('\n');
                out.append(prefix).append("sub_zone::").append(locality.length > 2 ? locality[2] : "").append('\n');
                out.append(prefix).append("priority::").append(host.endpoint().priority()).append('\n');
                out.append(prefix).append(outliers != null && outliers.isEjected(host)
                        ? "health_flags::/failed_outlier_check\n" : "health_flags::healthy\n");
            }
        }
        return out.toString();
    }

    private String runtimeSummary(RuntimeState state) {
        StringBuilder out = new StringBuilder("{\"version\":");
        Json.string(out, state.snapshot().version()).append(",\"listeners\":[");
        boolean first = true;
        for (ListenerSpec listener : state.snapshot().listeners()) {
            out.append(first ? "" : ",").append("{\"name\":");
            Json.string(out, listener.name()).append(",\"direction\":");
            Json.string(out, listener.direction().name()).append(",\"address\":");
            Json.string(out, runtime.boundAddress(listener.name()).map(AdminServer::format).orElse(""))
                    .append(",\"filterChains\":").append(listener.chains().size()).append('}');
            first = false;
        }
        out.append("],\"clusters\":[");
        first = true;
        List<ClusterRuntime> clusters = new ArrayList<>(state.clusters().all().values());
        clusters.sort(Comparator.comparing(ClusterRuntime::name));
        for (ClusterRuntime cluster : clusters) {
            out.append(first ? "" : ",").append("{\"name\":");
            Json.string(out, cluster.name()).append(",\"endpoints\":").append(cluster.hosts().size()).append('}');
            first = false;
        }
        out.append("],\"routeTables\":[");
        first = true;
        for (String table : state.snapshot().routeTables().keySet().stream().sorted().toList()) {
            out.append(first ? "" : ",");
            Json.string(out, table);
            first = false;
        }
        return out.append("]}").toString();
    }

    private static String format(InetSocketAddress address) {
        return address.getAddress().getHostAddress() + ":" + address.getPort();
    }

    @Override
    public void close() {
        server.close();
    }
}
