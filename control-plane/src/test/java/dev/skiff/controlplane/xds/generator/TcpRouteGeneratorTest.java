package dev.skiff.controlplane.xds.generator;

import static dev.skiff.controlplane.xds.generator.GeneratorFixtures.chain;
import static dev.skiff.controlplane.xds.generator.GeneratorFixtures.listener;
import static dev.skiff.controlplane.xds.generator.GeneratorFixtures.provider;
import static dev.skiff.controlplane.xds.generator.GeneratorFixtures.sidecar;
import static dev.skiff.controlplane.xds.generator.GeneratorFixtures.tcpProxy;
import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.controlplane.config.ConfigSnapshot;
import dev.skiff.controlplane.model.MeshSnapshot;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A TCP service's VirtualService tcp routes: weighted clusters, and matches on the client. */
class TcpRouteGeneratorTest {
    private static final String MESH = MeshYaml.documents(
            MeshYaml.workload("client", "default", "127.0.42.1", "app: client"),
            MeshYaml.meshInternalService("echo", 9000, "TCP", "echo.default.svc.cluster.local"),
            MeshYaml.meshInternalService("echo-v1", 9001, "TCP", "echo-v1.default.svc.cluster.local"),
            MeshYaml.meshInternalService("echo-v2", 9002, "TCP", "echo-v2.default.svc.cluster.local"), """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: echo, namespace: default}
            spec:
              hosts: [echo.default.svc.cluster.local]
              tcp:
              - match:
                - sourceLabels: {app: tester}
                route:
                - destination: {host: echo-v2.default.svc.cluster.local}
              - match:
                - sourceNamespace: other
                  destinationSubnets: [10.0.0.0/8]
                route:
                - destination: {host: echo-v2.default.svc.cluster.local}
              - route:
                - destination: {host: echo-v1.default.svc.cluster.local}
                  weight: 80
                - destination: {host: echo-v2.default.svc.cluster.local}
                  weight: 20
            """);

    private static TcpProxy echoProxy(DefaultXdsResourceProvider provider, String workload,
                                      Map<String, String> labels) throws Exception {
        Listener outbound = listener(provider, sidecar("127.0.42.1", workload, "default", labels), "virtualOutbound");
        return tcpProxy(chain(outbound, "outbound|9000||echo.default.svc.cluster.local"));
    }

    @Test
    void aClientTheMatchesDoNotFitGetsTheWeightedSplit() throws Exception {
        DefaultXdsResourceProvider provider = provider(MESH);

        TcpProxy proxy = echoProxy(provider, "client", Map.of());

        assertThat(proxy.getWeightedClusters().getClustersList()).extracting(c -> c.getName() + "=" + c.getWeight())
                .containsExactly("outbound|9001||echo-v1.default.svc.cluster.local=80",
                        "outbound|9002||echo-v2.default.svc.cluster.local=20");
    }

    @Test
    void aClientWithTheMatchingLabelsGetsItsRoute() throws Exception {
        ConfigSnapshot config = MeshConfigs.parse("mesh.yaml", MeshYaml.documents(MESH,
                MeshYaml.workload("tester", "default", "127.0.42.2", "app: tester")));
        DefaultXdsResourceProvider provider = new DefaultXdsResourceProvider();
        provider.update(config);

        assertThat(echoProxy(provider, "tester", Map.of()).getCluster())
                .isEqualTo("outbound|9002||echo-v2.default.svc.cluster.local");
        assertThat(MeshSnapshot.next(MeshSnapshot.empty(), config).problems())
                .contains("VirtualService default/echo: tcp[1].match[0].destinationSubnets: ignored");
    }
}
