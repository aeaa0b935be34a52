package dev.skiff.proxy.transport;

import static dev.skiff.proxy.transport.TestMesh.loopback;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.skiff.proxy.ProxyRuntime;
import dev.skiff.proxy.ProxyRuntimeOptions;
import dev.skiff.proxy.authz.Cidr;
import dev.skiff.proxy.authz.RbacMatcher;
import dev.skiff.proxy.authz.RbacRules;
import dev.skiff.proxy.authz.RbacStats;
import dev.skiff.proxy.authz.StringMatch;
import dev.skiff.proxy.filter.RequestContext;
import dev.skiff.proxy.model.Direction;
import dev.skiff.proxy.model.FilterChainSpec;
import dev.skiff.proxy.model.ListenerSpec;
import dev.skiff.proxy.model.TcpProxySpec;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Inbound TCP chains behind RBAC network filters (Istio's AuthorizationPolicies on a TCP port): each connection is
 * checked once, before its upstream is picked; a denied one is closed without reaching the application, an allowed
 * one is relayed. Header and path permissions never match a connection.
 */
@ExtendWith(NoLeaks.class)
class NetworkRbacThroughProxyTest {

    private static final String CLUSTER = "inbound|7000||";
    private static final RbacMatcher FROM_LOOPBACK = new RbacMatcher.SourceIp(new Cidr(new byte[] {127, 0, 0, 0}, 8));

    private final ConcurrentLinkedQueue<RequestContext> completed = new ConcurrentLinkedQueue<>();
    private EchoServer echo;
    private ProxyRuntime runtime;

    @BeforeEach
    void start() {
        echo = new EchoServer();
        runtime = new ProxyRuntime(ProxyRuntimeOptions.defaults().withEventLoopThreads(1)
                .withRequestListener(completed::add));
    }

    @AfterEach
    void stop() {
        runtime.close();
        echo.close();
    }

    private InetSocketAddress serve(String listener, List<RbacRules> rbac) {
        runtime.apply(new TestMesh()
                .listener(new ListenerSpec(listener, loopback(0), Direction.INBOUND, false, List.of(
                        new FilterChainSpec(listener, 0, TcpProxySpec.of(CLUSTER).withRbac(rbac)))))
                .cluster(TestMesh.cluster(CLUSTER, true))
                .endpoints(CLUSTER, echo.address())
                .build(listener));
        return runtime.boundAddress(listener).orElseThrow();
    }

    private static RbacRules rules(RbacRules.Action action, RbacMatcher permission, RbacMatcher principal) {
        return new RbacRules(action, List.of(new RbacRules.Policy("p", List.of(permission), List.of(principal))));
    }

    /** What the proxy answers to one line sent on a fresh connection: the echo, or null when it closed. */
    private static String echoThrough(InetSocketAddress address) throws IOException {
        try (Socket socket = new Socket(address.getAddress(), address.getPort())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write("ping\n".getBytes(StandardCharsets.US_ASCII));
            socket.shutdownOutput();
            byte[] answer = socket.getInputStream().readAllBytes();
            return answer.length == 0 ? null : new String(answer, StandardCharsets.US_ASCII);
        } catch (SocketException e) {
            return null;
        }
    }

    @Test
    void aDeniedConnectionIsClosedAndAnAllowedOneRelayed() throws Exception {
        String statPrefix = "tcp.relay-test.";
        RbacStats.Counters counters = RbacStats.global().network(statPrefix);
        InetSocketAddress denied = serve("inbound|7000|deny",
                List.of(rules(RbacRules.Action.DENY, new RbacMatcher.Any(), FROM_LOOPBACK).withStatPrefix(statPrefix)));
        assertThat(echoThrough(denied)).as("denied: closed without an echo").isNull();
        await().until(() -> completed.stream().anyMatch(c -> c.listenerName().equals("inbound|7000|deny")
                && "rbac_access_denied_matched_policy[p]".equals(c.connectionTerminationDetails())));

        InetSocketAddress allowed = serve("inbound|7000|allow", List.of(
                rules(RbacRules.Action.LOG, new RbacMatcher.Any(), new RbacMatcher.Any()).withStatPrefix(statPrefix),
                rules(RbacRules.Action.ALLOW, new RbacMatcher.Any(), FROM_LOOPBACK).withStatPrefix(statPrefix)));
        assertThat(echoThrough(allowed)).isEqualTo("ping\n");
        await().until(() -> completed.stream().anyMatch(c -> c.listenerName().equals("inbound|7000|allow")
                && Boolean.TRUE.equals(c.accessLogHint()) && c.bytesReceived() == 5));
        RequestContext relayed = completed.stream().filter(c -> c.listenerName().equals("inbound|7000|allow"))
                .findFirst().orElseThrow();
        assertThat(relayed.connectionTerminationDetails()).isNull();
        assertThat(relayed.downstreamConnection().localAddress())
                .isEqualTo(allowed.getAddress().getHostAddress() + ":" + allowed.getPort());
        assertThat(relayed.upstreamConnection().localAddress()).isNotNull();
        assertThat(List.of(counters.denied(), counters.allowed(), counters.logged(), counters.notLogged()))
                .as("one connection denied, one allowed and logged").containsExactly(1L, 1L, 1L, 0L);
        assertThat(RbacStats.global().humanReadable())
                .contains("tcp.relay-test.rbac.allowed: 1\n", "tcp.relay-test.rbac.denied: 1\n");
    }

    @Test
    void requestAttributesNeverMatchAConnection() throws Exception {
        RbacMatcher adminPath = new RbacMatcher.UrlPath(new StringMatch(StringMatch.Kind.PREFIX, "/", null, false));
        InetSocketAddress address = serve("inbound|7000|paths",
                List.of(rules(RbacRules.Action.ALLOW, adminPath, new RbacMatcher.Any())));
        assertThat(echoThrough(address)).as("an ALLOW on paths lets no connection through").isNull();
        await().until(() -> completed.stream().anyMatch(c -> c.listenerName().equals("inbound|7000|paths")
                && "rbac_access_denied_matched_policy[none]".equals(c.connectionTerminationDetails())));
    }
}
