package dev.skiff.proxy.transport;

import dev.skiff.proxy.ProxyRuntime;
import dev.skiff.proxy.ProxyRuntimeOptions;
import dev.skiff.proxy.model.Direction;
import dev.skiff.proxy.model.FilterChainSpec;
import dev.skiff.proxy.model.HttpConnectionManagerSpec;
import dev.skiff.proxy.model.ListenerSpec;
import dev.skiff.proxy.model.Route;
import dev.skiff.proxy.model.RouteAction;
import dev.skiff.proxy.model.RouteMatch;
import dev.skiff.proxy.model.RouteTable;
import dev.skiff.proxy.model.VirtualHost;
import dev.skiff.proxy.ratelimit.LocalRateLimitFilter;
import dev.skiff.proxy.ratelimit.LocalRateLimitPolicy;
import dev.skiff.proxy.ratelimit.TokenBucket;
import dev.skiff.proxy.transport.ScriptedBackend.Step;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static dev.skiff.proxy.transport.TestMesh.loopback;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A request a filter answers before its end was read: a request without a body leaves its keep-alive connection
 * usable (as Envoy, for which such a request ends with its headers), one whose body is still arriving closes it
 * and says so with {@code Connection: close}.
 */
@ExtendWith(NoLeaks.class)
class LocalReplyKeepAliveTest {

    private static final String LISTENER = "inbound|9080";
    private static final String CLUSTER = "inbound|9080||";

    private ProxyRuntime runtime;
    private ScriptedBackend backend;

    @AfterEach
    void stop() throws Exception {
        if (runtime != null) {
            runtime.close();
        }
        if (backend != null) {
            backend.close();
        }
    }

    private InetSocketAddress proxyWithOneToken() throws Exception {
        backend = new ScriptedBackend("app", Step.status(200));
        LocalRateLimitPolicy oneToken = new LocalRateLimitPolicy(
                new TokenBucket(1, 1, Duration.ofHours(1), System::nanoTime), LocalRateLimitPolicy.MILLION,
                LocalRateLimitPolicy.MILLION, 429, List.of(), true);
        RouteTable table = new RouteTable(LISTENER, List.of(new VirtualHost("inbound|http|9080", List.of("*"),
                List.of(new Route("default", RouteMatch.any(), RouteAction.cluster(CLUSTER),
                        Map.of(LocalRateLimitFilter.NAME, oneToken))))));
        runtime = new ProxyRuntime(ProxyRuntimeOptions.defaults().withEventLoopThreads(1));
        runtime.apply(new TestMesh()
                .listener(new ListenerSpec(LISTENER, loopback(0), Direction.INBOUND, false, List.of(
                        new FilterChainSpec("inbound", 0, HttpConnectionManagerSpec.inline(table)))))
                .cluster(TestMesh.cluster(CLUSTER, true))
                .endpoints(CLUSTER, backend.address())
                .build("1"));
        return runtime.boundAddress(LISTENER).orElseThrow();
    }

    @Test
    void limitedRequestsWithoutABodyKeepTheConnection() throws Exception {
        try (RawHttpClient client = new RawHttpClient(proxyWithOneToken())) {
            String get = "GET /a HTTP/1.1\r\nHost: app\r\n\r\n";

            assertThat(client.send(get).readResponse().status()).isEqualTo(200);
            RawHttpClient.Response limited = client.send(get).readResponse();
            assertThat(limited.status()).isEqualTo(429);
            assertThat(limited.header("connection")).isNull();
            assertThat(client.send(get).readResponse().status()).as("the same connection answers again")
                    .isEqualTo(429);
        }
    }

    @Test
    void aLimitedRequestWhoseBodyIsStillArrivingClosesTheConnection() throws Exception {
        try (RawHttpClient client = new RawHttpClient(proxyWithOneToken())) {
            assertThat(client.send("GET /a HTTP/1.1\r\nHost: app\r\n\r\n").readResponse().status()).isEqualTo(200);

            client.send("POST /a HTTP/1.1\r\nHost: app\r\nTransfer-Encoding: chunked\r\n\r\n").sendChunk("part");
            RawHttpClient.Response limited = client.readResponse();
            assertThat(limited.status()).isEqualTo(429);
            assertThat(limited.header("connection")).as("the client learns the connection ends").isEqualTo("close");
            assertThat(client.closedByPeer()).isTrue();
        }
    }
}
