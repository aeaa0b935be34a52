package dev.skiff.proxy.transport;

import dev.skiff.proxy.model.HeaderMatcher;
import dev.skiff.proxy.model.PathMatcher;
import dev.skiff.proxy.model.Route;
import dev.skiff.proxy.model.RouteAction;
import dev.skiff.proxy.model.RouteMatch;
import dev.skiff.proxy.model.RouteTable;
import dev.skiff.proxy.model.VirtualHost;
import dev.skiff.proxy.model.WeightedCluster;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Route selection over an outbound route table shaped like the one a sidecar gets for a mesh of {@code services}
 * services in 20 namespaces: one virtual host per service with the domains Istio lists (the FQDN, the short forms
 * of the caller's namespace, the service IP, each with and without the port), and per host a header route, two
 * path-prefix routes, a regex route and a catch-all, the way VirtualServices with canary rules translate.
 *
 * <p>Each operation routes the next of 1024 pre-built requests (random services, a mix of authority forms and of
 * paths and headers that hit every kind of route), so the lookup is not answered from one warm cache line.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class RouteMatchingBenchmark {

    private static final int NAMESPACES = 20;
    private static final int REQUESTS = 1024;

    @Param("1000")
    public int services;

    private RouteTable table;
    private Http1RequestView[] views;
    private HttpRequest[] requests;
    private String[] authorities;
    private int next;

    @Setup
    public void setUp() {
        List<VirtualHost> hosts = new ArrayList<>(services);
        for (int i = 0; i < services; i++) {
            hosts.add(virtualHost(i));
        }
        hosts.add(new VirtualHost("allow_any", List.of("*"),
                List.of(new Route("allow_any", RouteMatch.any(), RouteAction.cluster("PassthroughCluster")))));
        table = new RouteTable("8080", hosts);

        SplittableRandom random = new SplittableRandom(42);
        views = new Http1RequestView[REQUESTS];
        requests = new HttpRequest[REQUESTS];
        authorities = new String[REQUESTS];
        for (int r = 0; r < REQUESTS; r++) {
            int service = random.nextInt(services);
            String authority = switch (r % 4) {
                case 0 -> fqdn(service) + ":8080";
                case 1 -> fqdn(service);
                case 2 -> name(service) + ":8080";
                default -> name(service) + "." + namespace(service);
            };
            String path = switch (r % 5) {
                case 0 -> "/api/v1/items/" + r;
                case 1 -> "/api/v2/items/" + r + "?page=2";
                case 2 -> "/static/app.js";
                case 3 -> "/healthz";
                default -> "/orders/" + r;
            };
            boolean qualifiedAuthority = r % 4 != 2;
            HttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET,
                    qualifiedAuthority && r % 3 == 0 ? "http://" + authority + path : path);
            request.headers().set("host", authority);
            request.headers().set("user-agent", "curl/8.5.0");
            request.headers().set("accept", "*/*");
            if (r % 7 == 0) {
                request.headers().set("end-user", "jason");
            }
            requests[r] = request;
            views[r] = Http1RequestView.of(request);
            authorities[r] = views[r].authority();
        }
    }

    private static String name(int service) {
        return "svc-" + service;
    }

    private static String namespace(int service) {
        return "ns-" + (service % NAMESPACES);
    }

    private static String fqdn(int service) {
        return name(service) + "." + namespace(service) + ".svc.cluster.local";
    }

    private static VirtualHost virtualHost(int service) {
        String fqdn = fqdn(service);
        String ip = "10.96." + (service / 250) + "." + (service % 250 + 1);
        List<String> domains = new ArrayList<>();
        for (String domain : List.of(fqdn, name(service), name(service) + "." + namespace(service),
                name(service) + "." + namespace(service) + ".svc", ip)) {
            domains.add(domain);
            domains.add(domain + ":8080");
        }
        String v1 = "outbound|8080|v1|" + fqdn;
        String v2 = "outbound|8080|v2|" + fqdn;
        String all = "outbound|8080||" + fqdn;
        List<Route> routes = List.of(
                new Route("canary", new RouteMatch(PathMatcher.prefix("/"), true,
                        List.of(HeaderMatcher.exact("end-user", "jason")), List.of()), RouteAction.cluster(v2)),
                new Route("api-v1", RouteMatch.prefix("/api/v1/"), RouteAction.cluster(v1)),
                new Route("api-v2", new RouteMatch(PathMatcher.prefix("/api/v2/"), true,
                        List.of(HeaderMatcher.method("GET")), List.of()),
                        new RouteAction(List.of(new WeightedCluster(v1, 90), new WeightedCluster(v2, 10)))),
                new Route("static", RouteMatch.path(PathMatcher.regex("/static/.*\\.(js|css)")),
                        RouteAction.cluster(all)),
                new Route("default", RouteMatch.any(), RouteAction.cluster(all)));
        return new VirtualHost(fqdn + ":8080", domains, routes);
    }

    private int nextIndex() {
        int index = next;
        next = (index + 1) & (REQUESTS - 1);
        return index;
    }

    /** The virtual host for an authority among 1000 services (exact domain lookup, lower-case check). */
    @Benchmark
    public VirtualHost findVirtualHost() {
        return table.findVirtualHost(authorities[nextIndex()]);
    }

    /** The route within the request's virtual host (path, header and regex matchers in order). */
    @Benchmark
    public Route findRoute() {
        Http1RequestView view = views[nextIndex()];
        return table.findVirtualHost(view.authority()).findRoute(view);
    }

    /** What the data path does per request head: read authority and path from the head, then route. */
    @Benchmark
    public Route viewAndRoute() {
        Http1RequestView view = Http1RequestView.of(requests[nextIndex()]);
        return table.findVirtualHost(view.authority()).findRoute(view);
    }
}
