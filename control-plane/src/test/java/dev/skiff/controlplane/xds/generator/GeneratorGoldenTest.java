package dev.skiff.controlplane.xds.generator;

import dev.skiff.controlplane.xds.ProxyView;
import dev.skiff.controlplane.xds.TypeUrls;
import dev.skiff.controlplane.xds.XdsResource;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * YAML configuration in, canonical Envoy JSON out, compared with the files under {@code golden/}. Regenerate with
 * {@code -Dgolden.update=true} and review the diff.
 */
class GeneratorGoldenTest {
    private static final String GREETER = "greeter.default.svc.cluster.local:50051";

    @Test
    void productpageSidecarSeesTheWholeBookinfoMesh() {
        assertSidecar("bookinfo", "productpage", "default");
    }

    @Test
    void reviewsSidecarHasAnHttpInboundListener() {
        assertSidecar("bookinfo", "reviews-v1", "default");
    }

    @Test
    void greeterSidecarTalksHttp2ToItsGrpcApplication() {
        assertSidecar("bookinfo", "greeter", "default");
    }

    @Test
    void mysqldbSidecarHasATcpInboundListenerOnItsPortOverride() {
        assertSidecar("bookinfo", "mysqldb", "default");
    }

    @Test
    void proxylessGrpcClientGetsAnApiListenerAndItsRoute() {
        DefaultXdsResourceProvider provider = provider("bookinfo");
        ProxyView client = new ProxyView("grpc-client-1", ProxyView.Kind.PROXYLESS, null, "default", Map.of());
        Map<String, Collection<XdsResource>> sections = new LinkedHashMap<>();
        sections.put("listeners", provider.resources(client, TypeUrls.LISTENER, Set.of(GREETER)));
        sections.put("routes", provider.resources(client, TypeUrls.ROUTE, Set.of(GREETER)));
        sections.put("clusters", provider.resources(client, TypeUrls.CLUSTER,
                Set.of("outbound|50051||greeter.default.svc.cluster.local")));
        sections.put("endpoints", provider.resources(client, TypeUrls.ENDPOINT,
                Set.of("outbound|50051||greeter.default.svc.cluster.local")));
        GoldenFiles.assertMatches("bookinfo/proxyless-greeter-client.json", EnvoyJson.dump(sections));
    }

    @Test
    void virtualServiceMatchesAndActions() {
        assertSidecar("matching", "client", "default");
    }

    private static void assertSidecar(String scenario, String workload, String namespace) {
        DefaultXdsResourceProvider provider = provider(scenario);
        ProxyView sidecar = new ProxyView("sidecar~127.0.0.99~" + workload + "." + namespace + "~" + namespace
                + ".svc.cluster.local", ProxyView.Kind.SIDECAR, workload, namespace, Map.of());
        Map<String, Collection<XdsResource>> sections = new LinkedHashMap<>();
        sections.put("clusters", provider.resources(sidecar, TypeUrls.CLUSTER, Set.of()));
        sections.put("endpoints", provider.resources(sidecar, TypeUrls.ENDPOINT, Set.of()));
        sections.put("listeners", provider.resources(sidecar, TypeUrls.LISTENER, Set.of()));
        sections.put("routes", provider.resources(sidecar, TypeUrls.ROUTE, Set.of()));
        GoldenFiles.assertMatches(scenario + "/sidecar-" + workload + ".json", EnvoyJson.dump(sections));
    }

    private static DefaultXdsResourceProvider provider(String scenario) {
        DefaultXdsResourceProvider provider = new DefaultXdsResourceProvider();
        provider.update(MeshConfigs.golden(scenario + "/config.yaml"));
        return provider;
    }
}
