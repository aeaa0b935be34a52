package dev.skiff.controlplane.xds.generator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.controlplane.config.ConfigSnapshot;
import dev.skiff.controlplane.model.MeshSnapshot;
import dev.skiff.controlplane.xds.ProxyView;
import dev.skiff.controlplane.xds.TypeUrls;
import dev.skiff.controlplane.xds.XdsResource;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** A TCP service's VirtualService tcp routes: weighted clusters, and matches on the client. */
class TcpRouteGeneratorTest {
    private static final String MESH = """
            apiVersion: networking.istio.io/v1
            kind: WorkloadEntry
            metadata: {name: client, namespace: default}
            spec:
              address: 127.0.42.1
              labels: {app: client}
            ---
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: echo, namespace: default}
            spec:
              hosts: [echo.default.svc.cluster.local]
              location: MESH_INTERNAL
              resolution: STATIC
              ports: [{number: 9000, name: tcp, protocol: TCP}]
            ---
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: echo-v1, namespace: default}
            spec:
              hosts: [echo-v1.default.svc.cluster.local]
              location: MESH_INTERNAL
              resolution: STATIC
              ports: [{number: 9001, name: tcp, protocol: TCP}]
            ---
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: echo-v2, namespace: default}
            spec:
              hosts: [echo-v2.default.svc.cluster.local]
              location: MESH_INTERNAL
              resolution: STATIC
              ports: [{number: 9002, name: tcp, protocol: TCP}]
            ---
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
            """;

    private static TcpProxy echoProxy(DefaultXdsResourceProvider provider, String workload,
                                      Map<String, String> labels) throws Exception {
        ProxyView view = new ProxyView("sidecar~127.0.42.1~" + workload + ".default~default.svc.cluster.local",
                ProxyView.Kind.SIDECAR, workload, "default", labels);
        XdsResource resource = provider.resources(view, TypeUrls.LISTENER, Set.of()).stream()
                .filter(r -> r.name().equals("virtualOutbound")).findFirst().orElseThrow();
        FilterChain chain = resource.body().unpack(Listener.class).getFilterChainsList().stream()
                .filter(c -> c.getName().equals("outbound|9000||echo.default.svc.cluster.local")).findFirst()
                .orElseThrow();
        return chain.getFilters(0).getTypedConfig().unpack(TcpProxy.class);
    }

    @Test
    void aClientTheMatchesDoNotFitGetsTheWeightedSplit() throws Exception {
        DefaultXdsResourceProvider provider = new DefaultXdsResourceProvider();
        provider.update(MeshConfigs.parse("mesh.yaml", MESH));

        TcpProxy proxy = echoProxy(provider, "client", Map.of());

        assertThat(proxy.getWeightedClusters().getClustersList()).extracting(c -> c.getName() + "=" + c.getWeight())
                .containsExactly("outbound|9001||echo-v1.default.svc.cluster.local=80",
                        "outbound|9002||echo-v2.default.svc.cluster.local=20");
    }

    @Test
    void aClientWithTheMatchingLabelsGetsItsRoute() throws Exception {
        ConfigSnapshot config = MeshConfigs.parse("mesh.yaml", MESH + """
                ---
                apiVersion: networking.istio.io/v1
                kind: WorkloadEntry
                metadata: {name: tester, namespace: default}
                spec:
                  address: 127.0.42.2
                  labels: {app: tester}
                """);
        DefaultXdsResourceProvider provider = new DefaultXdsResourceProvider();
        provider.update(config);

        assertThat(echoProxy(provider, "tester", Map.of()).getCluster())
                .isEqualTo("outbound|9002||echo-v2.default.svc.cluster.local");
        assertThat(MeshSnapshot.next(MeshSnapshot.empty(), config).problems())
                .contains("VirtualService default/echo: tcp[1].match[0].destinationSubnets: ignored");
    }
}
