package dev.skiff.bench.xds;

import dev.skiff.controlplane.ControlPlane;
import dev.skiff.controlplane.ca.CaServerOptions;
import dev.skiff.controlplane.config.DirectoryConfigSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** A short real run: five simulated sidecars against an in-process control plane serving three services. */
class SimulationTest {
    @TempDir
    Path dir;

    @Test
    void sotwAndDeltaSidecarsSyncAndSeeEveryChange() throws Exception {
        BenchMesh mesh = new BenchMesh(3, 5);
        Path config = dir.resolve("config");
        mesh.write(config);
        try (ControlPlane controlPlane = new ControlPlane(new DirectoryConfigSource(config),
                new InetSocketAddress("127.0.0.1", 0), new InetSocketAddress("127.0.0.1", 0), dir.resolve("state"),
                CaServerOptions.defaults().withAddress(new InetSocketAddress("127.0.0.1", 0))).start()) {
            InetSocketAddress target = new InetSocketAddress("127.0.0.1", controlPlane.xdsPort());
            SimResult sotw = run(target, mesh, config, false, "a");
            SimResult delta = run(target, mesh, config, true, "b");

            for (SimResult result : new SimResult[] {sotw, delta}) {
                assertThat(result.streamFailures()).isZero();
                assertThat(result.proxies()).isEqualTo(5);
                assertThat(result.channels()).isEqualTo(3);
                assertThat(result.syncBytes()).isPositive();
                assertThat(result.changes()).hasSize(2).allSatisfy(change -> {
                    assertThat(change.convergedProxies()).isEqualTo(5);
                    assertThat(change.convergenceMillis()).isNotNull().isPositive();
                    assertThat(change.bytes()).isPositive();
                });
                assertThat(result.summaries()).extracting(SimResult.Summary::kind).containsExactly("route", "endpoint");
            }
            assertThat(sotw.protocol()).isEqualTo("sotw");
            assertThat(delta.protocol()).isEqualTo("delta");
        }
    }

    private static SimResult run(InetSocketAddress target, BenchMesh mesh, Path config, boolean delta, String runId)
            throws Exception {
        Simulation.Options options = new Simulation.Options(target, "skiff", mesh, config, delta, false, 0, 1, 2, 1,
                Duration.ZERO, Duration.ofSeconds(30), Duration.ofSeconds(30), runId);
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        SimResult result = new Simulation(options, null, new PrintStream(log, true, StandardCharsets.UTF_8)).run();
        assertThat(log.toString(StandardCharsets.UTF_8)).contains("sidecars ACKed");
        return result;
    }
}
