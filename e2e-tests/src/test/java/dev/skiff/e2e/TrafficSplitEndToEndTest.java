package dev.skiff.e2e;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The foundation's acceptance scenario, as a new user would run it: a hand-written config directory, plain
 * {@code python3 -m http.server} backends, one control plane and three sidecars as real processes on loopback.
 */
class TrafficSplitEndToEndTest {
    private static final String CLIENT = "127.0.31.1";
    private static final String V1 = "127.0.31.2";
    private static final String V2 = "127.0.31.3";
    private static final String REVIEWS = "reviews.default.svc.cluster.local";

    @TempDir
    static Path work;
    static LocalMesh mesh;
    static HttpClient client;

    @BeforeAll
    static void startMesh() throws IOException {
        mesh = new LocalMesh(work);
        int p1 = LocalMesh.freePort();
        int p2 = LocalMesh.freePort();
        startBackend("v1", p1);
        startBackend("v2", p2);
        mesh.writeConfig("services.yaml", MeshYaml.documents(MeshYaml.httpService("reviews", REVIEWS, 9080),
                MeshYaml.client("client", CLIENT),
                MeshYaml.versionedWorkload("reviews", "v1", V1, p1),
                MeshYaml.versionedWorkload("reviews", "v2", V2, p2),
                MeshYaml.versionSubsets("reviews", REVIEWS)));
        writeSplit(80, 20);
        mesh.startControlPlane();
        mesh.startProxy("client.default", CLIENT);
        mesh.startProxy("reviews-v1.default", V1);
        mesh.startProxy("reviews-v2.default", V2);
        client = SidecarHttp.through(CLIENT);
    }

    private static void startBackend(String version, int port) throws IOException {
        Path root = Files.createDirectories(work.resolve("www-" + version));
        Files.writeString(root.resolve("index.html"), version + "\n");
        mesh.start("backend-" + version, List.of("python3", "-m", "http.server", Integer.toString(port),
                "--bind", "127.0.0.1", "--directory", root.toString()));
        mesh.awaitOk(URI.create("http://127.0.0.1:" + port + "/"));
    }

    private static void writeSplit(int v1, int v2) throws IOException {
        mesh.writeConfig("reviews-vs.yaml", """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews}
                spec:
                  hosts: [reviews.default.svc.cluster.local]
                  http:
                  - match:
                    - headers:
                        end-user: {exact: jason}
                    route:
                    - destination: {host: reviews.default.svc.cluster.local, subset: v2}
                  - route:
                    - destination: {host: reviews.default.svc.cluster.local, subset: v1}
                      weight: %d
                    - destination: {host: reviews.default.svc.cluster.local, subset: v2}
                      weight: %d
                """.formatted(v1, v2));
    }

    @AfterAll
    static void stop() throws Exception {
        Teardown.closeAll(client, mesh);
    }

    private static String call(String endUser) throws IOException, InterruptedException {
        HttpResponse<String> response = SidecarHttp.send(client,
                SidecarHttp.request(REVIEWS, 9080, "/", Duration.ofSeconds(5), "end-user", endUser));
        return response.statusCode() + " " + response.body().strip();
    }

    @Test
    void splitsEightyTwentyAndSendsJasonToV2ThenShiftsWithoutLosingARequest() throws Exception {
        int v1 = 0;
        int v2 = 0;
        for (int i = 0; i < 500; i++) {
            String answer = call(null);
            switch (answer) {
                case "200 v1" -> v1++;
                case "200 v2" -> v2++;
                default -> throw new AssertionError("unexpected answer '" + answer + "'" + mesh.logs());
            }
        }
        assertThat(v1 * 100.0 / 500).as("share of v1 (v1=%d, v2=%d)", v1, v2).isBetween(74.0, 86.0);

        for (int i = 0; i < 50; i++) {
            assertThat(call("jason")).isEqualTo("200 v2");
        }

        AtomicBoolean running = new AtomicBoolean(true);
        ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<long[]> v1Answers = new ConcurrentLinkedQueue<>();
        List<Future<?>> senders = new ArrayList<>();
        long shiftedAt;
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int t = 0; t < 4; t++) {
                senders.add(pool.submit(() -> {
                    while (running.get()) {
                        long started = System.nanoTime();
                        try {
                            String answer = call(null);
                            if (answer.equals("200 v1")) {
                                v1Answers.add(new long[]{started});
                            } else if (!answer.equals("200 v2")) {
                                failures.add(answer);
                            }
                        } catch (IOException e) {
                            failures.add(e.toString());
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            return;
                        }
                    }
                }));
            }
            Thread.sleep(500);
            shiftedAt = System.nanoTime();
            writeSplit(0, 100);
            Thread.sleep(3500);
            running.set(false);
            for (Future<?> f : senders) {
                f.get();
            }
        }
        assertThat(failures).as("failed requests while the split changed").isEmpty();
        long lastV1 = v1Answers.stream().mapToLong(a -> a[0]).max().orElse(shiftedAt);
        assertThat(Duration.ofNanos(lastV1 - shiftedAt)).as("time until v1 stopped receiving new requests")
                .isLessThan(Duration.ofSeconds(2));
    }
}
