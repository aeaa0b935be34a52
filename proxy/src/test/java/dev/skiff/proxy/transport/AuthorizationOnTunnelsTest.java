package dev.skiff.proxy.transport;

import static dev.skiff.proxy.transport.TestMesh.loopback;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.skiff.proxy.ProxyRuntime;
import dev.skiff.proxy.ProxyRuntimeOptions;
import dev.skiff.proxy.authz.RbacMatcher;
import dev.skiff.proxy.authz.RbacRules;
import dev.skiff.proxy.authz.RbacStats;
import dev.skiff.proxy.authz.StringMatch;
import dev.skiff.proxy.filter.RequestContext;
import dev.skiff.proxy.model.Direction;
import dev.skiff.proxy.model.FilterChainSpec;
import dev.skiff.proxy.model.HttpConnectionManagerSpec;
import dev.skiff.proxy.model.ListenerSpec;
import dev.skiff.proxy.model.Route;
import dev.skiff.proxy.model.RouteAction;
import dev.skiff.proxy.model.RouteMatch;
import dev.skiff.proxy.model.RouteTable;
import dev.skiff.proxy.model.VirtualHost;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * An inbound HTTP listener with a LOG filter (Istio's AUDIT) on {@code /audited*}, a DENY filter on {@code /denied*}
 * and on the authority {@code blocked:443}, and an ALLOW filter for everyone: upgrades and CONNECT requests meet the
 * filters like any other request, before a tunnel opens, and the LOG filter's matches are marked for the access log
 * and counted.
 */
@ExtendWith(NoLeaks.class)
class AuthorizationOnTunnelsTest {

    private static final String LISTENER = "inbound|9080|authz";
    private static final String CLUSTER = "inbound|9080||authz";

    private final ConcurrentLinkedQueue<RequestContext> completed = new ConcurrentLinkedQueue<>();
    private TestBackend backend;
    private ProxyRuntime runtime;
    private InetSocketAddress inbound;

    private static StringMatch prefix(String value) {
        return new StringMatch(StringMatch.Kind.PREFIX, value, null, false);
    }

    private static RbacRules.Policy policy(String name, RbacMatcher permission) {
        return new RbacRules.Policy(name, List.of(permission), List.of(new RbacMatcher.Any()));
    }

    @BeforeEach
    void start() {
        backend = new TestBackend("app");
        RbacRules audit = new RbacRules(RbacRules.Action.LOG, List.of(policy("ns[default]-policy[audit]-rule[0]",
                new RbacMatcher.UrlPath(prefix("/audited")))));
        RbacRules deny = new RbacRules(RbacRules.Action.DENY, List.of(
                policy("paths", new RbacMatcher.UrlPath(prefix("/denied"))),
                policy("hosts", new RbacMatcher.Header(":authority",
                        new StringMatch(StringMatch.Kind.EXACT, "blocked:443", null, false)))));
        RbacRules allow = new RbacRules(RbacRules.Action.ALLOW, List.of(policy("all", new RbacMatcher.Any())));
        RouteTable table = new RouteTable("inbound", List.of(new VirtualHost("inbound|http|9080", List.of("*"),
                List.of(new Route("default", RouteMatch.any(), RouteAction.cluster(CLUSTER))))));
        runtime = new ProxyRuntime(ProxyRuntimeOptions.defaults().withEventLoopThreads(1)
                .withRequestListener(completed::add));
        runtime.apply(new TestMesh()
                .listener(new ListenerSpec(LISTENER, loopback(0), Direction.INBOUND, false, List.of(
                        new FilterChainSpec("inbound", 0, HttpConnectionManagerSpec.inline(table)
                                .withRbac(List.of(audit, deny, allow))))))
                .cluster(TestMesh.cluster(CLUSTER, true))
                .endpoints(CLUSTER, backend.address())
                .build("1"));
        inbound = runtime.boundAddress(LISTENER).orElseThrow();
    }

    @AfterEach
    void stop() {
        runtime.close();
        backend.close();
    }

    private static String upgrade(String path) {
        return "GET " + path + " HTTP/1.1\r\nHost: app\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n";
    }

    @Test
    void aDeniedUpgradeIsRefusedBeforeTheTunnelAndAnAllowedOneTunnels() {
        try (RawHttpClient client = new RawHttpClient(inbound)) {
            client.send(upgrade("/denied/ws"));
            RawHttpClient.Response denied = client.readResponse();
            assertThat(denied.status()).isEqualTo(403);
            assertThat(denied.body()).isEqualTo("RBAC: access denied");
        }
        try (RawHttpClient client = new RawHttpClient(inbound)) {
            client.send(upgrade("/ws"));
            assertThat(client.readHead().status()).isEqualTo(101);
            client.send("through the tunnel\n");
            assertThat(client.readLine()).isEqualTo("through the tunnel");
        }
    }

    @Test
    void connectMeetsTheFiltersWithItsAuthorityAndNoPath() {
        try (RawHttpClient client = new RawHttpClient(inbound)) {
            client.send("CONNECT blocked:443 HTTP/1.1\r\nHost: blocked:443\r\n\r\n");
            RawHttpClient.Response denied = client.readResponse();
            assertThat(denied.status()).isEqualTo(403);
            assertThat(denied.body()).isEqualTo("RBAC: access denied");
        }
        try (RawHttpClient client = new RawHttpClient(inbound)) {
            client.send("CONNECT reviews:443 HTTP/1.1\r\nHost: reviews:443\r\n\r\n");
            assertThat(client.readResponse().status()).isEqualTo(404);
        }
        await().until(() -> completed.stream().anyMatch(c -> c.method().equals("CONNECT")
                && c.responseCode() == 404 && c.hasFlag(dev.skiff.proxy.filter.ResponseFlag.NO_ROUTE_FOUND)));
    }

    /** Sends a CONNECT on a prior-knowledge HTTP/2 connection; returns the frames of stream 1 up to its end. */
    private String http2ConnectAnswer(String authority) throws Exception {
        try (Socket socket = new Socket(inbound.getAddress(), inbound.getPort())) {
            socket.setSoTimeout(10_000);
            RawHttp2 h2 = new RawHttp2(socket);
            h2.headers(1, true, ":method", "CONNECT", ":authority", authority);
            StringBuilder seen = new StringBuilder();
            while (true) {
                RawHttp2.Frame frame = h2.read();
                if (frame.stream() != 1) {
                    continue;
                }
                seen.append(frame.type() == RawHttp2.HEADERS ? "HEADERS" : "DATA").append('[')
                        .append(HexFormat.of().formatHex(frame.payload())).append("] ");
                if (frame.type() == RawHttp2.DATA) {
                    seen.append(frame.text()).append(' ');
                }
                if (frame.endsStream() || frame.type() == RawHttp2.RST_STREAM) {
                    return seen.toString();
                }
            }
        }
    }

    @Test
    void http2ConnectMeetsTheFiltersToo() throws Exception {
        assertThat(http2ConnectAnswer("blocked:443")).contains("RBAC: access denied");
        assertThat(http2ConnectAnswer("reviews:443")).as(":status 404 (HPACK static index 13)")
                .startsWith("HEADERS[8d").doesNotContain("RBAC");
    }

    @Test
    void aLogFilterMatchIsMarkedForTheAccessLogAndCountedWithoutDenying() {
        RbacStats.Counters counters = RbacStats.global().listener(LISTENER);
        long logged = counters.logged();
        long notLogged = counters.notLogged();
        try (RawHttpClient client = new RawHttpClient(inbound)) {
            client.send("GET /audited/page HTTP/1.1\r\nHost: app\r\n\r\n");
            assertThat(client.readResponse().status()).isEqualTo(200);
            client.send("GET /plain HTTP/1.1\r\nHost: app\r\n\r\n");
            assertThat(client.readResponse().status()).isEqualTo(200);
        }
        await().until(() -> completed.size() >= 2);
        assertThat(completed).filteredOn(c -> c.path().equals("/audited/page")).singleElement()
                .extracting(RequestContext::accessLogHint).isEqualTo(Boolean.TRUE);
        assertThat(completed).filteredOn(c -> c.path().equals("/plain")).singleElement()
                .extracting(RequestContext::accessLogHint).isEqualTo(Boolean.FALSE);
        assertThat(counters.logged()).isEqualTo(logged + 1);
        assertThat(counters.notLogged()).isEqualTo(notLogged + 1);
        assertThat(RbacStats.global().humanReadable()).contains("http." + LISTENER + ".rbac.logged: ");
    }
}
