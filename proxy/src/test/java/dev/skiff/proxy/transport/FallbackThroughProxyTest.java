package dev.skiff.proxy.transport;

import dev.skiff.proxy.ProxyRuntime;
import dev.skiff.proxy.ProxyRuntimeOptions;
import dev.skiff.proxy.fallback.FallbackPolicy;
import dev.skiff.proxy.filter.RequestContext;
import dev.skiff.proxy.filter.ResponseFlag;
import dev.skiff.proxy.model.Direction;
import dev.skiff.proxy.model.FilterChainSpec;
import dev.skiff.proxy.model.HttpConnectionManagerSpec;
import dev.skiff.proxy.model.ListenerSpec;
import dev.skiff.proxy.model.RetryOn;
import dev.skiff.proxy.model.RetryPolicy;
import dev.skiff.proxy.model.Route;
import dev.skiff.proxy.model.RouteAction;
import dev.skiff.proxy.model.RouteMatch;
import dev.skiff.proxy.model.RouteTable;
import dev.skiff.proxy.model.VirtualHost;
import dev.skiff.proxy.transport.ScriptedBackend.Step;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;

import static dev.skiff.proxy.transport.TestMesh.loopback;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A route's fallback answers instead of the proxy's own UH and URX replies, and the flags stay recorded. */
@ExtendWith(NoLeaks.class)
class FallbackThroughProxyTest {

    private static final String HOST = "ratings.default.svc.cluster.local";
    private static final String CLUSTER = "outbound|9080||" + HOST;
    private static final FallbackPolicy FALLBACK = new FallbackPolicy(Set.of(ResponseFlag.NO_HEALTHY_UPSTREAM,
            ResponseFlag.UPSTREAM_RETRY_LIMIT_EXCEEDED), 200,
            List.of(new FallbackPolicy.Header("content-type", "application/json")), "{\"ratings\":[]}");

    private final ConcurrentLinkedQueue<RequestContext> completed = new ConcurrentLinkedQueue<>();
    private final List<AutoCloseable> resources = new ArrayList<>();
    private ProxyRuntime runtime;
    private HttpClient client;

    @AfterEach
    void stop() throws Exception {
        if (client != null) {
            client.close();
        }
        if (runtime != null) {
            runtime.close();
        }
        for (AutoCloseable resource : resources) {
            resource.close();
        }
    }

    private void proxy(RouteAction action, InetSocketAddress... endpoints) {
        RouteTable table = new RouteTable("9080", List.of(new VirtualHost(HOST + ":9080",
                List.of(HOST, HOST + ":9080"),
                List.of(new Route("ratings", RouteMatch.prefix("/"), action,
                        Map.of(FallbackPolicy.NAME, FALLBACK))))));
        runtime = new ProxyRuntime(ProxyRuntimeOptions.defaults().withEventLoopThreads(1)
                .withRequestListener(completed::add));
        runtime.apply(new TestMesh()
                .listener(new ListenerSpec(TestMesh.OUTBOUND, loopback(0), Direction.OUTBOUND, true, List.of(
                        new FilterChainSpec("9080", 9080, HttpConnectionManagerSpec.rds("9080")))))
                .routeTable(table)
                .cluster(TestMesh.cluster(CLUSTER, false))
                .endpoints(CLUSTER, endpoints)
                .build("1"));
        client = HttpClient.newBuilder()
                .proxy(ProxySelector.of(runtime.boundAddress(TestMesh.OUTBOUND).orElseThrow())).build();
    }

    private HttpResponse<String> get(String path) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://" + HOST + ":9080" + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private RequestContext lastCompleted() {
        await().until(() -> !completed.isEmpty());
        return completed.poll();
    }

    private static void assertFallback(HttpResponse<String> response) {
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("{\"ratings\":[]}");
        assertThat(response.headers().firstValue("content-type")).hasValue("application/json");
    }

    @Test
    void noHealthyEndpointAnswersTheFallbackWithFlagUh() throws Exception {
        proxy(RouteAction.cluster(CLUSTER));

        assertFallback(get("/ratings/1"));
        RequestContext context = lastCompleted();
        assertThat(context.flagsString()).isEqualTo("UH");
        assertThat(context.responseCode()).isEqualTo(200);
    }

    @Test
    void theLastOfExhaustedRetriesIsReplacedByTheFallbackWithFlagUrx() throws Exception {
        ScriptedBackend backend = new ScriptedBackend("b", Step.status(503));
        resources.add(backend);
        proxy(RouteAction.cluster(CLUSTER).withPolicies(null, new RetryPolicy(2, Set.of(RetryOn.SERVER_ERROR),
                List.of(), null, true, 5, RetryPolicy.DEFAULT_BASE_INTERVAL, null)), backend.address());

        assertFallback(get("/ratings/1"));
        assertThat(backend.seen()).hasSize(3);
        RequestContext context = lastCompleted();
        assertThat(context.hasFlag(ResponseFlag.UPSTREAM_RETRY_LIMIT_EXCEEDED)).isTrue();
        assertThat(context.responseCode()).isEqualTo(200);
    }

    @Test
    void otherRepliesAndResponsesPassUnchanged() throws Exception {
        ScriptedBackend backend = new ScriptedBackend("b", Step.status(404));
        resources.add(backend);
        proxy(RouteAction.cluster(CLUSTER), backend.address());

        HttpResponse<String> response = get("/ratings/1");
        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(lastCompleted().flagsString()).isEqualTo("-");
    }
}
