package dev.skiff.e2e;

import dev.skiff.e2e.backend.TestBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Locality load balancing as Istio's tasks show it, through a real control plane and a client sidecar in
 * {@code region1/zone1}: with outlier detection, every request goes to the endpoint in the client's zone until that
 * endpoint fails and is ejected, then to the other zone (failover); with {@code distribute}, the zones share the
 * requests 80/20 (on a least-request cluster with warmup, whose slow start the sidecar accepts).
 */
class LocalityLoadBalancingEndToEndTest {
    private static final String CLIENT = "127.0.56.1";
    private static final String FAILOVER = "failover.default.svc.cluster.local";
    private static final String SPLIT = "split.default.svc.cluster.local";

    @TempDir
    static Path work;
    static LocalMesh mesh;
    static HttpClient client;
    static TestBackend near;
    static TestBackend far;
    static TestBackend splitNear;
    static TestBackend splitFar;

    @BeforeAll
    static void startMesh() throws IOException {
        mesh = new LocalMesh(work);
        near = TestBackend.start("failover-zone1", new InetSocketAddress("127.0.56.2", 0));
        far = TestBackend.start("failover-zone2", new InetSocketAddress("127.0.56.3", 0));
        splitNear = TestBackend.start("split-zone1", new InetSocketAddress("127.0.56.4", 0));
        splitFar = TestBackend.start("split-zone2", new InetSocketAddress("127.0.56.5", 0));
        mesh.writeConfig("services.yaml", MeshYaml.documents(MeshYaml.client("client", CLIENT, "region1/zone1"),
                service("failover", FAILOVER, near, far),
                service("split", SPLIT, splitNear, splitFar),
                MeshYaml.trafficPolicy("failover", FAILOVER, """
                        loadBalancer:
                          simple: ROUND_ROBIN
                          localityLbSetting: {enabled: true}
                        """ + MeshYaml.EJECT_AT_FIRST_5XX),
                MeshYaml.trafficPolicy("split", SPLIT, """
                        loadBalancer:
                          simple: LEAST_REQUEST
                          warmup: {duration: 60s}
                          localityLbSetting:
                            distribute:
                            - from: region1/zone1/*
                              to: {"region1/zone1/*": 80, "region1/zone2/*": 20}
                        """)));
        mesh.startControlPlane();
        mesh.startProxy("client.default", CLIENT);
        client = SidecarHttp.through(CLIENT);
    }

    /** A service with one WorkloadEntry in region1/zone1 and one in region1/zone2, each served by a backend. */
    private static String service(String name, String host, TestBackend zone1, TestBackend zone2) {
        return MeshYaml.documents(MeshYaml.httpService(name, host, 8000),
                MeshYaml.workload(name + "-zone1", name, "region1/zone1", zone1),
                MeshYaml.workload(name + "-zone2", name, "region1/zone2", zone2));
    }

    @AfterAll
    static void stop() throws Exception {
        Teardown.closeAll(client, near, far, splitNear, splitFar, mesh);
    }

    private static HttpResponse<String> get(String host) throws IOException, InterruptedException {
        return SidecarHttp.send(client, SidecarHttp.request(host, 8000, "/", Duration.ofSeconds(20)));
    }

    private static String clusters() throws IOException, InterruptedException {
        try (HttpClient direct = HttpClient.newHttpClient()) {
            return direct.send(HttpRequest.newBuilder(URI.create("http://" + CLIENT + ":15000/clusters")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
        }
    }

    private static String backend(HttpResponse<String> response) {
        return response.headers().firstValue("x-backend").orElse("none");
    }

    @Test
    void requestsStayInTheClientsZoneUntilItsEndpointIsEjectedThenFailOverToTheNextZone() throws Exception {
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> get(FAILOVER).statusCode() == 200);
        for (int i = 0; i < 20; i++) {
            HttpResponse<String> response = get(FAILOVER);
            assertThat(response.statusCode()).as("%s%s", response.body(), mesh.logs()).isEqualTo(200);
            assertThat(backend(response)).as("request %d before the failure", i).isEqualTo("failover-zone1");
        }
        assertThat(clusters()).contains(
                "outbound|8000||" + FAILOVER + "::127.0.56.2:" + near.port() + "::priority::0",
                "outbound|8000||" + FAILOVER + "::127.0.56.3:" + far.port() + "::priority::1");
        long farBefore = far.requests();
        assertThat(farBefore).as("requests the other zone got while the client's zone was healthy").isZero();

        near.failPercent(100, 500);
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> backend(get(FAILOVER)).equals("failover-zone2"));
        long nearAfterEjection = near.requests();
        for (int i = 0; i < 20; i++) {
            HttpResponse<String> response = get(FAILOVER);
            assertThat(response.statusCode()).as("%s%s", response.body(), mesh.logs()).isEqualTo(200);
            assertThat(backend(response)).as("request %d after the ejection", i).isEqualTo("failover-zone2");
        }
        assertThat(near.requests()).as("requests the ejected endpoint got").isEqualTo(nearAfterEjection);
    }

    @Test
    void distributeSendsEightyPercentToTheClientsZoneAndTwentyToTheOther() throws Exception {
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> get(SPLIT).statusCode() == 200);
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < 400; i++) {
            HttpResponse<String> response = get(SPLIT);
            assertThat(response.statusCode()).as("%s%s", response.body(), mesh.logs()).isEqualTo(200);
            counts.merge(backend(response), 1, Integer::sum);
        }
        assertThat(counts).containsOnlyKeys("split-zone1", "split-zone2");
        assertThat(counts.get("split-zone1") * 100 / 400).as("percent in zone1 of %s", counts).isBetween(72, 88);
    }
}
