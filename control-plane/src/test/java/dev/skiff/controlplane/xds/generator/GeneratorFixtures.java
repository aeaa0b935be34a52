package dev.skiff.controlplane.xds.generator;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import dev.skiff.controlplane.xds.ProxyView;
import dev.skiff.controlplane.xds.TypeUrls;
import dev.skiff.controlplane.xds.XdsResource;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/** The generator tests' way in: a provider fed with YAML, sidecar views, and lookups into what it generated. */
final class GeneratorFixtures {
    private GeneratorFixtures() {
    }

    /** A provider holding the mesh the YAML describes. */
    static DefaultXdsResourceProvider provider(String yaml) {
        DefaultXdsResourceProvider provider = new DefaultXdsResourceProvider();
        provider.update(MeshConfigs.parse("mesh.yaml", yaml));
        return provider;
    }

    /** A sidecar whose node id carries {@code nodeAddress}, as {@code sidecar~address~workload.ns~ns.svc...}. */
    static ProxyView sidecar(String nodeAddress, String workload, String namespace) {
        return sidecar(nodeAddress, workload, namespace, Map.of());
    }

    /** A sidecar that reports labels of its own. */
    static ProxyView sidecar(String nodeAddress, String workload, String namespace, Map<String, String> labels) {
        return new ProxyView("sidecar~" + nodeAddress + "~" + workload + "." + namespace + "~" + namespace
                + ".svc.cluster.local", ProxyView.Kind.SIDECAR, workload, namespace, labels);
    }

    /** The resource of that name; fails listing the names there are. */
    static XdsResource named(Collection<XdsResource> resources, String name) {
        return resources.stream().filter(resource -> resource.name().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no resource " + name + " in "
                        + resources.stream().map(XdsResource::name).toList()));
    }

    /** The body of the resource of that name. */
    static <T extends Message> T named(Collection<XdsResource> resources, String name, Class<T> type)
            throws InvalidProtocolBufferException {
        return named(resources, name).body().unpack(type);
    }

    /** The proxy's resources of one type, their bodies by resource name. */
    static <T extends Message> Map<String, T> byName(DefaultXdsResourceProvider provider, ProxyView proxy,
                                                     String typeUrl, Class<T> type)
            throws InvalidProtocolBufferException {
        Map<String, T> byName = new HashMap<>();
        for (XdsResource resource : provider.resources(proxy, typeUrl, Set.of())) {
            byName.put(resource.name(), resource.body().unpack(type));
        }
        return byName;
    }

    /** The listener of that name generated for the proxy. */
    static Listener listener(DefaultXdsResourceProvider provider, ProxyView proxy, String name)
            throws InvalidProtocolBufferException {
        return named(provider.resources(proxy, TypeUrls.LISTENER, Set.of()), name, Listener.class);
    }

    /** The filter chain of that name; fails listing the names there are. */
    static FilterChain chain(Listener listener, String name) {
        return listener.getFilterChainsList().stream().filter(c -> c.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no chain " + name + " in " + listener.getFilterChainsList()
                        .stream().map(FilterChain::getName).toList()));
    }

    /** The TCP proxy that is the chain's first network filter. */
    static TcpProxy tcpProxy(FilterChain chain) throws InvalidProtocolBufferException {
        return chain.getFilters(0).getTypedConfig().unpack(TcpProxy.class);
    }

    /**
     * The {@code inbound|9080} HTTP connection manager of {@code reviews-v1} (127.0.0.11, service account
     * {@code bookinfo-reviews}) behind {@link MeshYaml#reviewsService()}, in a mesh with the extra documents.
     */
    static HttpConnectionManager reviewsInboundHcm(String extraYaml) throws InvalidProtocolBufferException {
        String mesh = MeshYaml.documents(MeshYaml.reviewsService(),
                MeshYaml.workload("reviews-v1", "default", "127.0.0.11", "bookinfo-reviews", "app: reviews"));
        return firstHcm(listener(provider(mesh + extraYaml), sidecar("127.0.0.11", "reviews-v1", "default"),
                "inbound|9080"));
    }

    /** The HTTP connection manager that is the first network filter of the listener's first chain. */
    static HttpConnectionManager firstHcm(Listener listener) throws InvalidProtocolBufferException {
        return listener.getFilterChains(0).getFilters(0).getTypedConfig().unpack(HttpConnectionManager.class);
    }
}
