package dev.skiff.proxy.transport;

import static dev.skiff.proxy.transport.TestMesh.loopback;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.skiff.proxy.ProxyRuntime;
import dev.skiff.proxy.ProxyRuntimeOptions;
import dev.skiff.proxy.authz.Cidr;
import dev.skiff.proxy.authz.RbacMatcher;
import dev.skiff.proxy.authz.RbacRules;
import dev.skiff.proxy.authz.StringMatch;
import dev.skiff.proxy.model.Direction;
import dev.skiff.proxy.model.Endpoint;
import dev.skiff.proxy.model.EndpointSet;
import dev.skiff.proxy.model.FilterChainSpec;
import dev.skiff.proxy.model.HttpConnectionManagerSpec;
import dev.skiff.proxy.model.ListenerSpec;
import dev.skiff.proxy.model.ProxyConfigSnapshot;
import dev.skiff.proxy.model.Route;
import dev.skiff.proxy.model.RouteAction;
import dev.skiff.proxy.model.RouteMatch;
import dev.skiff.proxy.model.RouteTable;
import dev.skiff.proxy.model.VirtualHost;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * An inbound listener whose HCM carries a DENY filter ({@code /admin*} except {@code *\/public}) and an ALLOW filter
 * (GET from loopback): denied requests are answered 403 {@code RBAC: access denied} without reaching the app.
 */
@ExtendWith(NoLeaks.class)
class RbacThroughProxyTest {
    private static final String CLUSTER = "inbound|9080||";

    private HttpServer app;
    private ProxyRuntime runtime;
    private InetSocketAddress inbound;
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private static StringMatch prefix(String value) {
        return new StringMatch(StringMatch.Kind.PREFIX, value, null, false);
    }

    @BeforeEach
    void start() throws Exception {
        app = HttpServer.create(loopback(0), 0);
        app.createContext("/", exchange -> {
            byte[] body = ("app saw " + exchange.getRequestURI().getPath()).getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        app.start();
        RbacMatcher adminPaths = new RbacMatcher.And(List.of(new RbacMatcher.UrlPath(prefix("/admin")),
                new RbacMatcher.Not(new RbacMatcher.UrlPath(new StringMatch(StringMatch.Kind.SUFFIX, "/public", null,
                        false)))));
        RbacRules deny = new RbacRules(RbacRules.Action.DENY, List.of(new RbacRules.Policy("no-admin",
                List.of(adminPaths), List.of(new RbacMatcher.Any()))));
        RbacRules allow = new RbacRules(RbacRules.Action.ALLOW, List.of(new RbacRules.Policy("reads",
                List.of(new RbacMatcher.Header(":method", new StringMatch(StringMatch.Kind.EXACT, "GET", null,
                        false))),
                List.of(new RbacMatcher.SourceIp(new Cidr(new byte[] {127, 0, 0, 0}, 8))))));
        RouteTable table = new RouteTable("inbound", List.of(new VirtualHost("inbound|http|9080", List.of("*"),
                List.of(new Route("default", RouteMatch.any(), RouteAction.cluster(CLUSTER))))));
        runtime = new ProxyRuntime(ProxyRuntimeOptions.defaults().withEventLoopThreads(1));
        runtime.apply(new ProxyConfigSnapshot("1", List.of(new ListenerSpec("inbound", loopback(0),
                Direction.INBOUND, false, List.of(new FilterChainSpec("inbound", 0,
                        HttpConnectionManagerSpec.inline(table).withRbac(List.of(deny, allow)))))),
                Map.of(), Map.of(CLUSTER, TestMesh.cluster(CLUSTER, true)),
                Map.of(CLUSTER, new EndpointSet(CLUSTER, List.of(new Endpoint(app.getAddress()))))));
        inbound = runtime.boundAddress("inbound").orElseThrow();
    }

    @AfterEach
    void stop() throws Exception {
        if (runtime != null) {
            runtime.close();
        }
        if (app != null) {
            app.stop(0);
        }
    }

    private HttpResponse<String> send(String method, String path) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + inbound.getPort() + path))
                .method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void denyThenAllowDecideBeforeTheRequestReachesTheApp() throws Exception {
        HttpResponse<String> allowed = send("GET", "/reviews?id=1");
        assertThat(allowed.statusCode()).isEqualTo(200);
        assertThat(allowed.body()).isEqualTo("app saw /reviews");

        HttpResponse<String> admin = send("GET", "/admin/users");
        assertThat(admin.statusCode()).isEqualTo(403);
        assertThat(admin.body()).isEqualTo("RBAC: access denied");

        assertThat(send("GET", "/admin/public").statusCode()).isEqualTo(200);
        assertThat(send("DELETE", "/reviews").statusCode()).isEqualTo(403);
    }
}
