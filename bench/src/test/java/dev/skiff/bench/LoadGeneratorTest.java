package dev.skiff.bench;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** Real runs against a JDK HTTP server on 127.0.0.1, about a second each. */
class LoadGeneratorTest {
    private static final byte[] BODY = "x".repeat(1024).getBytes(StandardCharsets.US_ASCII);

    private final AtomicLong hits = new AtomicLong();
    private final Queue<String> requestLines = new ConcurrentLinkedQueue<>();
    private HttpServer server;

    private void startServer(boolean closeEachConnection) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            hits.incrementAndGet();
            requestLines.add(exchange.getRequestMethod() + " " + exchange.getRequestURI() + " "
                    + exchange.getRequestHeaders().getFirst("Host"));
            if (closeEachConnection) {
                exchange.getResponseHeaders().set("Connection", "close");
            }
            exchange.sendResponseHeaders(200, BODY.length);
            try (OutputStream body = exchange.getResponseBody()) {
                body.write(BODY);
            }
        });
        server.start();
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    private String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/";
    }

    private static LoadGenerator.Options options(Target target, int rate, int connections) {
        return new LoadGenerator.Options(target, new Schedule(rate, connections, Duration.ofMillis(200), Duration.ofSeconds(1)),
                Duration.ofSeconds(2), "direct", 1);
    }

    private static ProcessSampler noProcesses() {
        return new ProcessSampler(List.of(), new ProcStat(), 100);
    }

    @Test
    void sendsEveryScheduledRequestAndMeasuresOnlyTheWindow() throws Exception {
        startServer(false);
        RunResult r = LoadGenerator.run(options(Target.of(url(), null), 200, 2), noProcesses());

        assertThat(hits.get()).isEqualTo(240);
        assertThat(r.requestsScheduled()).isEqualTo(200);
        assertThat(r.requestsCompleted()).isEqualTo(200);
        assertThat(r.errors().total()).isZero();
        assertThat(r.achievedRate()).isEqualTo(200.0);
        assertThat(r.latencyMillis().p50()).isPositive();
        assertThat(r.latencyMillis().p99()).isGreaterThanOrEqualTo(r.latencyMillis().p50());
        assertThat(r.latencyMillis().max()).isGreaterThanOrEqualTo(r.latencyMillis().p999());
        assertThat(r.percentiles()).hasSize(LoadGenerator.CURVE.length);
        // only requests that fall due on an idle connection are sampled; on a busy machine there may be none
        assertThat(r.wakeupLagMillis().samples()).isBetween(0L, 200L);
        assertThat(r.wakeupLagMillis().max()).isGreaterThanOrEqualTo(r.wakeupLagMillis().p50()).isGreaterThanOrEqualTo(0);
        assertThat(r.kind()).isEqualTo("latency");
        assertThat(requestLines).allMatch(l -> l.equals("GET / 127.0.0.1:" + server.getAddress().getPort()));
    }

    @Test
    void reconnectsWhenTheServerClosesEachConnection() throws Exception {
        startServer(true);
        RunResult r = LoadGenerator.run(options(Target.of(url(), null), 100, 2), noProcesses());

        assertThat(r.requestsCompleted()).isEqualTo(100);
        assertThat(r.errors().total()).isZero();
        assertThat(hits.get()).isEqualTo(120);
    }

    @Test
    void proxyFormSendsTheAbsoluteUriToTheProxyAddress() throws Exception {
        startServer(false);
        Target viaProxy = Target.of("http://backend.default.svc.cluster.local:8080/hello",
                "127.0.0.1:" + server.getAddress().getPort());
        RunResult r = LoadGenerator.run(options(viaProxy, 50, 1), noProcesses());

        assertThat(r.requestsCompleted()).isEqualTo(50);
        assertThat(r.viaProxy()).isTrue();
        assertThat(requestLines).isNotEmpty().allMatch(l -> l.equals(
                "GET http://backend.default.svc.cluster.local:8080/hello backend.default.svc.cluster.local:8080"));
    }

    @Test
    void commandLineWritesJsonAndWatchesProcesses(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        startServer(false);
        Path json = dir.resolve("run.json");
        int code = BenchMain.execute("load", "--url", url(), "--rate", "100", "--connections", "2", "--warmup", "100ms",
                "--duration", "1s", "--topology", "direct", "--repeat", "2", "--json", json.toString(),
                "--watch", "self=" + ProcessHandle.current().pid());

        assertThat(code).isZero();
        String text = Files.readString(json);
        assertThat(text).contains("\"kind\" : \"latency\"", "\"repeat\" : 2", "\"name\" : \"self\"", "\"p999\"",
                "\"wakeupLagMillis\"");
        Report report = Report.read(dir);
        assertThat(report.render()).contains("| direct | 100 |");
    }

    @Test
    void commandLineRefusesANonLoopbackTarget() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream previous = System.err;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            int code = BenchMain.execute("load", "--url", "http://192.168.1.20:8080/", "--duration", "1s");
            assertThat(code).isEqualTo(2);
        } finally {
            System.setErr(previous);
        }
        assertThat(err.toString(StandardCharsets.UTF_8)).contains(
                "skiff-bench: --url: 192.168.1.20 is not a loopback address");
    }

    @Test
    void anUnreachableTargetFailsUpFront() throws Exception {
        startServer(false);
        int port = server.getAddress().getPort();
        server.stop(0);
        server = null;
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> LoadGenerator.run(
                        options(Target.of("http://127.0.0.1:" + port + "/", null), 10, 1), noProcesses()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("cannot connect to 127.0.0.1:" + port);
    }
}
