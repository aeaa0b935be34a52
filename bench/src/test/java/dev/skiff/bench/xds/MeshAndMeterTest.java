package dev.skiff.bench.xds;

import dev.skiff.controlplane.xds.ProxyView;
import dev.skiff.controlplane.xds.server.ProxyViews;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MeshAndMeterTest {
    @Test
    void sidecarNodesReadAsIstioSidecarsOfTheirWorkload() {
        BenchMesh mesh = new BenchMesh(30, 300);
        ProxyView view = ProxyViews.fromNode(Simulation.node(mesh, 257));
        assertThat(view.kind()).isEqualTo(ProxyView.Kind.SIDECAR);
        assertThat(view.id()).isEqualTo("sidecar~127.64.1.8~wl-257.bench-7~bench-7.svc.cluster.local");
        assertThat(view.workload()).isEqualTo("wl-257");
        assertThat(view.namespace()).isEqualTo("bench-7");
        assertThat(view.labels()).isEqualTo(Map.of("app", "svc-17", "version", "v1"));
    }

    @Test
    void addressesStayInTheirLoopbackRanges() {
        BenchMesh mesh = new BenchMesh(100, 64_000);
        assertThat(mesh.proxyAddress(0)).isEqualTo("127.64.0.1");
        assertThat(mesh.proxyAddress(63_999)).isEqualTo("127.64.255.250");
        assertThat(BenchMesh.addedEndpointAddress(250)).isEqualTo("127.66.1.1");
        assertThatThrownBy(() -> new BenchMesh(0, 1)).hasMessageContaining("expected >= 1");
        assertThatThrownBy(() -> new BenchMesh(1, 64_001)).hasMessageContaining("expected 1 to 64000");
    }

    @Test
    void readsProcAndJcmdFigures() {
        assertThat(ProcessMeter.parseCpuTicks("42 (java (x)) S 1 2 3 4 5 6 7 8 9 10 250 50 0 0")).isEqualTo(300);
        assertThat(ProcessMeter.parseRssBytes("Name:\tjava\nVmRSS:\t  2048 kB\n")).isEqualTo(2048 * 1024);
        assertThat(ProcessMeter.parseHeapUsed("""
                12345:
                 garbage-first heap   total reserved 2097152K, committed 262144K, used 123456K [0x0000000080000000, 0x0000000100000000)
                  region size 1024K, 12 young (12288K), 1 survivors (1024K)
                 Metaspace       used 45678K, committed 46000K, reserved 1114112K
                """)).isEqualTo(123456L * 1024);
        assertThatThrownBy(() -> ProcessMeter.parseHeapUsed("12345:\nno such command\n"))
                .hasMessageContaining("no heap summary");
        assertThatThrownBy(() -> ProcessMeter.parseRssBytes("Name:\tkthreadd\n")).hasMessageContaining("no VmRSS");
    }
}
