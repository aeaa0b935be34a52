package dev.skiff.proxy.transport;

import dev.skiff.proxy.ProxyRuntime;
import dev.skiff.proxy.ProxyRuntimeOptions;
import dev.skiff.proxy.model.Direction;
import dev.skiff.proxy.model.FilterChainSpec;
import dev.skiff.proxy.model.HttpConnectionManagerSpec;
import dev.skiff.proxy.model.ListenerSpec;
import dev.skiff.proxy.model.MirrorPolicy;
import dev.skiff.proxy.model.Route;
import dev.skiff.proxy.model.RouteAction;
import dev.skiff.proxy.model.RouteMatch;
import dev.skiff.proxy.model.RouteTable;
import dev.skiff.proxy.model.VirtualHost;
import dev.skiff.proxy.route.ShadowRequest;
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

import static dev.skiff.proxy.transport.TestMesh.loopback;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Request mirroring through a running proxy: copies reach the mirror, which never holds up the request. */
@ExtendWith(NoLeaks.class)
class MirroringTest {

    private static final String HOST = "ratings.default.svc.cluster.local";
    private static final String CLUSTER = "outbound|9080||" + HOST;
    private static final String MIRROR = "outbound|9080||ratings-shadow.default.svc.cluster.local";

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

    private ScriptedBackend backend(String name, Step... script) throws IOException {
        ScriptedBackend backend = new ScriptedBackend(name, script);
        resources.add(backend);
        return backend;
    }

    private void proxy(InetSocketAddress backend, InetSocketAddress mirror) {
        RouteAction action = RouteAction.cluster(CLUSTER)
                .withMirrors(List.of(new MirrorPolicy(MIRROR, MirrorPolicy.MILLION, true)));
        RouteTable table = new RouteTable("9080", List.of(new VirtualHost(HOST + ":9080",
                List.of(HOST, HOST + ":9080"), List.of(new Route("ratings", RouteMatch.prefix("/"), action)))));
        runtime = new ProxyRuntime(ProxyRuntimeOptions.defaults().withEventLoopThreads(1));
        runtime.apply(new TestMesh()
                .listener(new ListenerSpec(TestMesh.OUTBOUND, loopback(0), Direction.OUTBOUND, true, List.of(
                        new FilterChainSpec("9080", 9080, HttpConnectionManagerSpec.rds("9080")))))
                .routeTable(table)
                .cluster(TestMesh.cluster(CLUSTER, false))
                .endpoints(CLUSTER, backend)
                .cluster(TestMesh.cluster(MIRROR, false))
                .endpoints(MIRROR, mirror)
                .build("1"));
        InetSocketAddress outbound = runtime.boundAddress(TestMesh.OUTBOUND).orElseThrow();
        client = HttpClient.newBuilder().proxy(ProxySelector.of(outbound)).connectTimeout(Duration.ofSeconds(5))
                .build();
    }

    private HttpResponse<String> post(String path, String body) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://" + HOST + ":9080" + path))
                .timeout(Duration.ofSeconds(10))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static InetSocketAddress deadAddress() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return new InetSocketAddress("127.0.0.1", socket.getLocalPort());
        }
    }

    @Test
    void theMirrorGetsACopyWithAShadowHostWhileTheCallerGetsTheRealAnswer() throws Exception {
        ScriptedBackend backend = backend("real", Step.status(200));
        ScriptedBackend mirror = backend("mirror", Step.status(500));
        proxy(backend.address(), mirror.address());

        HttpResponse<String> response = post("/rate", "five stars");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("real five stars");
        await().until(() -> !mirror.seen().isEmpty());
        ScriptedBackend.Seen copy = mirror.seen().getFirst();
        assertThat(copy.host()).isEqualTo(HOST + "-shadow:9080");
        assertThat(copy.body()).isEqualTo("five stars");
        assertThat(copy.path()).isEqualTo("/rate");
        assertThat(backend.seen().getFirst().host()).isEqualTo(HOST + ":9080");
    }

    @Test
    void aSlowMirrorDoesNotHoldUpTheCaller() throws Exception {
        ScriptedBackend backend = backend("real", Step.status(200));
        ScriptedBackend mirror = backend("mirror", Step.delayed(60_000));
        proxy(backend.address(), mirror.address());

        for (int i = 0; i < 3; i++) {
            assertThat(post("/rate/" + i, "x").statusCode()).isEqualTo(200);
        }
        await().until(() -> mirror.seen().size() == 3);
    }

    @Test
    void aDeadMirrorDoesNotFailTheCaller() throws Exception {
        ScriptedBackend backend = backend("real", Step.status(200));
        proxy(backend.address(), deadAddress());

        assertThat(post("/rate", "x").statusCode()).isEqualTo(200);
        assertThat(post("/rate", "y").statusCode()).isEqualTo(200);
    }

    @Test
    void aBodyLargerThanTheBufferIsNotMirrored() throws Exception {
        ScriptedBackend backend = backend("real", Step.status(200));
        ScriptedBackend mirror = backend("mirror", Step.status(200));
        proxy(backend.address(), mirror.address());

        HttpResponse<String> large = post("/large", "x".repeat(ShadowRequest.BODY_LIMIT_BYTES + 1));
        HttpResponse<String> small = post("/small", "y");

        assertThat(large.statusCode()).isEqualTo(200);
        assertThat(small.statusCode()).isEqualTo(200);
        await().until(() -> mirror.seen().stream().anyMatch(seen -> seen.path().equals("/small")));
        assertThat(mirror.seen()).extracting(ScriptedBackend.Seen::path).doesNotContain("/large");
    }
}
