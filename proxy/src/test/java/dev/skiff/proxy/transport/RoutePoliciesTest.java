package dev.skiff.proxy.transport;

import dev.skiff.proxy.ProxyRuntime;
import dev.skiff.proxy.ProxyRuntimeOptions;
import dev.skiff.proxy.filter.FaultFilter;
import dev.skiff.proxy.filter.RequestContext;
import dev.skiff.proxy.filter.ResponseFlag;
import dev.skiff.proxy.model.Direction;
import dev.skiff.proxy.model.FaultPolicy;
import dev.skiff.proxy.model.HeaderMutations;
import dev.skiff.proxy.model.RouteMutations;
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

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;

import static dev.skiff.proxy.transport.TestMesh.loopback;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Route timeouts and retries through a running proxy to real backends. */
@ExtendWith(NoLeaks.class)
class RoutePoliciesTest {

    private static final String HOST = "ratings.default.svc.cluster.local";
    private static final String CLUSTER = "outbound|9080||" + HOST;

    private final ConcurrentLinkedQueue<RequestContext> completed = new ConcurrentLinkedQueue<>();
    private final List<AutoCloseable> resources = new ArrayList<>();
    private ProxyRuntime runtime;
    private InetSocketAddress outbound;
    private HttpClient client;

    @AfterEach
    void stop() throws Exception {
        if (runtime != null) {
            runtime.close();
        }
        for (AutoCloseable resource : resources) {
            resource.close();
        }
    }

    private ScriptedBackend backend(String name, Step... script) throws IOException {
        ScriptedBackend backend = new ScriptedBackend(name, script);
        resources.add(backend);
        return backend;
    }

    private static RetryPolicy retries(int count, Duration perTry, RetryOn... on) {
        return new RetryPolicy(count, Set.of(on), List.of(), perTry, true, 5, RetryPolicy.DEFAULT_BASE_INTERVAL,
                null);
    }

    private void proxy(Duration timeout, RetryPolicy retryPolicy, InetSocketAddress... endpoints) {
        proxy(timeout, retryPolicy, null, endpoints);
    }

    private void proxy(Duration timeout, RetryPolicy retryPolicy, FaultPolicy fault,
                       InetSocketAddress... endpoints) {
        proxy(RouteAction.cluster(CLUSTER).withPolicies(timeout, retryPolicy), fault, endpoints);
    }

    private void proxy(RouteAction action, FaultPolicy fault, InetSocketAddress... endpoints) {
        Map<String, Object> filters = fault == null ? Map.of() : Map.of(FaultFilter.NAME, fault);
        RouteTable table = new RouteTable("9080", List.of(new VirtualHost(HOST + ":9080",
                List.of(HOST, HOST + ":9080"),
                List.of(new Route("ratings", RouteMatch.prefix("/"), action, filters)))));
        runtime = new ProxyRuntime(ProxyRuntimeOptions.defaults().withEventLoopThreads(1)
                .withRandomFactory(() -> new java.util.SplittableRandom(42))
                .withRequestListener(completed::add));
        runtime.apply(new TestMesh()
                .listener(new ListenerSpec(TestMesh.OUTBOUND, loopback(0), Direction.OUTBOUND, true, List.of(
                        new FilterChainSpec("9080", 9080, HttpConnectionManagerSpec.rds("9080")))))
                .routeTable(table)
                .cluster(TestMesh.cluster(CLUSTER, false))
                .endpoints(CLUSTER, endpoints)
                .build("1"));
        outbound = runtime.boundAddress(TestMesh.OUTBOUND).orElseThrow();
        client = HttpClient.newBuilder().proxy(ProxySelector.of(outbound)).connectTimeout(Duration.ofSeconds(5))
                .build();
    }

    private HttpResponse<String> get(String path) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://" + HOST + ":9080" + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String path, String body) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://" + HOST + ":9080" + path))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private RequestContext lastCompleted() {
        await().until(() -> !completed.isEmpty());
        return completed.stream().reduce((a, b) -> b).orElseThrow();
    }

    private static InetSocketAddress deadAddress() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return new InetSocketAddress("127.0.0.1", socket.getLocalPort());
        }
    }

    @Test
    void aRetriableStatusIsRetriedAndTheSecondAnswerGoesDownstream() throws Exception {
        ScriptedBackend backend = backend("b", Step.status(503), Step.status(200));
        proxy(null, retries(2, null, RetryOn.SERVER_ERROR), backend.address());

        HttpResponse<String> response = post("/rate", "five stars");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("b five stars");
        assertThat(backend.seen()).extracting(ScriptedBackend.Seen::body).containsExactly("five stars", "five stars");
        assertThat(lastCompleted().flagsString()).isEqualTo("-");
    }

    @Test
    void whenRetriesRunOutTheLastAnswerGoesDownstreamWithUrx() throws Exception {
        ScriptedBackend backend = backend("b", Step.status(503));
        proxy(null, retries(2, null, RetryOn.GATEWAY_ERROR), backend.address());

        HttpResponse<String> response = get("/rate");

        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(backend.seen()).hasSize(3);
        assertThat(lastCompleted().flagsString()).isEqualTo("URX");
    }

    @Test
    void statusesOutsideTheConditionsAreNotRetried() throws Exception {
        ScriptedBackend backend = backend("b", Step.status(500), Step.status(200));
        proxy(null, retries(2, null, RetryOn.GATEWAY_ERROR), backend.address());

        assertThat(get("/rate").statusCode()).isEqualTo(500);
        assertThat(backend.seen()).hasSize(1);
    }

    @Test
    void aConnectFailureIsRetriedOnAnotherHost() throws Exception {
        ScriptedBackend backend = backend("b", Step.status(200));
        proxy(null, retries(2, null, RetryOn.CONNECT_FAILURE), deadAddress(), backend.address());

        for (int i = 0; i < 4; i++) {
            assertThat(get("/r" + i).statusCode()).isEqualTo(200);
        }
        assertThat(backend.seen()).hasSize(4);
    }

    @Test
    void aBodyLargerThanTheReplayBufferIsNotRetried() throws Exception {
        ScriptedBackend backend = backend("b", Step.status(503), Step.status(200));
        proxy(null, retries(2, null, RetryOn.SERVER_ERROR), backend.address());

        HttpResponse<String> response = post("/upload", "x".repeat(40 * 1024));

        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(backend.seen()).hasSize(1);
    }

    @Test
    void theRouteTimeoutAnswers504WithUt() throws Exception {
        ScriptedBackend backend = backend("b", Step.delayed(3_000));
        proxy(Duration.ofMillis(200), null, backend.address());

        HttpResponse<String> response = get("/slow");

        assertThat(response.statusCode()).isEqualTo(504);
        assertThat(response.body()).isEqualTo("upstream request timeout");
        assertThat(lastCompleted().flagsString()).isEqualTo("UT");
    }

    @Test
    void aPerTryTimeoutIsRetried() throws Exception {
        ScriptedBackend backend = backend("b", Step.delayed(3_000), Step.status(200));
        proxy(Duration.ofSeconds(10), retries(1, Duration.ofMillis(200), RetryOn.RESET), backend.address());

        HttpResponse<String> response = get("/flaky");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(backend.seen()).hasSize(2);
    }

    @Test
    void theLastPerTryTimeoutAnswers504WithUt() throws Exception {
        ScriptedBackend backend = backend("b", Step.delayed(3_000));
        proxy(null, retries(1, Duration.ofMillis(100), RetryOn.SERVER_ERROR), backend.address());

        assertThat(get("/slow").statusCode()).isEqualTo(504);
        assertThat(lastCompleted().hasFlag(ResponseFlag.UPSTREAM_REQUEST_TIMEOUT)).isTrue();
        assertThat(backend.seen()).hasSize(2);
    }

    @Test
    void anAbortAnswersWithoutReachingTheBackend() throws Exception {
        ScriptedBackend backend = backend("b", Step.status(200));
        proxy(null, retries(2, null, RetryOn.SERVER_ERROR), new FaultPolicy(null, 0, 500, -1, FaultPolicy.MILLION),
                backend.address());

        HttpResponse<String> response = get("/rate");

        assertThat(response.statusCode()).isEqualTo(500);
        assertThat(response.body()).isEqualTo("fault filter abort");
        assertThat(lastCompleted().flagsString()).isEqualTo("FI");
        assertThat(backend.seen()).isEmpty();
    }

    @Test
    void aGrpcAbortIsATrailersOnlyAnswer() throws Exception {
        ScriptedBackend backend = backend("b", Step.status(200));
        proxy(null, null, new FaultPolicy(null, 0, 0, 14, FaultPolicy.MILLION), backend.address());

        HttpResponse<String> response = get("/grpc.Service/Method");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("grpc-status")).contains("14");
        assertThat(response.headers().firstValue("content-type")).contains("application/grpc");
        assertThat(lastCompleted().hasFlag(ResponseFlag.FAULT_INJECTED)).isTrue();
    }

    @Test
    void aDelayedRequestGoesOnAfterTheDelayWithoutTheRouteTimeout() throws Exception {
        ScriptedBackend backend = backend("b", Step.status(200));
        proxy(Duration.ofMillis(50), null, new FaultPolicy(Duration.ofMillis(300), FaultPolicy.MILLION, 0, -1, 0),
                backend.address());

        HttpResponse<String> response = post("/rate", "late");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("b late");
        assertThat(lastCompleted().flagsString()).isEqualTo("DI");
    }

    @Test
    void aDelayThenAbortIsBothFlags() throws Exception {
        ScriptedBackend backend = backend("b", Step.status(200));
        proxy(null, null, new FaultPolicy(Duration.ofMillis(20), FaultPolicy.MILLION, 503, -1, FaultPolicy.MILLION),
                backend.address());

        assertThat(get("/rate").statusCode()).isEqualTo(503);
        assertThat(lastCompleted().flagsString()).isEqualTo("DI,FI");
    }

    @Test
    void aShareOfRequestsIsAborted() throws Exception {
        ScriptedBackend backend = backend("b", Step.status(200));
        proxy(null, null, new FaultPolicy(null, 0, 500, -1, FaultPolicy.MILLION / 2), backend.address());

        int aborted = 0;
        for (int i = 0; i < 200; i++) {
            if (get("/r").statusCode() == 500) {
                aborted++;
            }
        }
        assertThat(aborted).isBetween(70, 130);
        assertThat(backend.seen()).hasSize(200 - aborted);
    }

    @Test
    void thePathAuthorityAndHeadersAreRewritten() throws Exception {
        ScriptedBackend backend = backend("b", Step.status(200));
        RouteMutations mutations = new RouteMutations("/v2/", null, null, "ratings.internal",
                new HeaderMutations(List.of("x-drop"), List.of(new HeaderMutations.HeaderValue("x-set", "1", false))),
                new HeaderMutations(List.of(), List.of(new HeaderMutations.HeaderValue("x-served-by", "skiff", true))));
        proxy(RouteAction.cluster(CLUSTER).withMutations(mutations), null, backend.address());

        HttpResponse<String> response = client.send(HttpRequest.newBuilder(
                        URI.create("http://" + HOST + ":9080/v1/ratings?id=3"))
                .header("x-drop", "secret").header("x-set", "0").build(), HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("x-served-by")).contains("skiff");
        ScriptedBackend.Seen seen = backend.seen().getFirst();
        assertThat(seen.path()).isEqualTo("/v2/v1/ratings?id=3");
        assertThat(seen.host()).isEqualTo("ratings.internal");
        assertThat(seen.headers()).containsEntry("x-set", List.of("1")).doesNotContainKey("x-drop");
    }

    @Test
    void aRegexRewriteReplacesThePath() throws Exception {
        ScriptedBackend backend = backend("b", Step.status(200));
        proxy(RouteAction.cluster(CLUSTER).withMutations(new RouteMutations(null,
                java.util.regex.Pattern.compile("^/old/(.*)$"), "/new/$1", null, null, null)), null,
                backend.address());

        assertThat(get("/old/a/b?q=1").statusCode()).isEqualTo(200);
        assertThat(backend.seen().getFirst().path()).isEqualTo("/new/a/b?q=1");
    }
}
