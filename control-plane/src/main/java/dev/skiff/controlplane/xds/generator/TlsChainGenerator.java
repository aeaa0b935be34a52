package dev.skiff.controlplane.xds.generator;

import com.google.protobuf.Any;
import com.google.protobuf.UInt32Value;
import dev.skiff.api.networking.v1alpha3.TLSMatchAttributes;
import dev.skiff.api.networking.v1alpha3.TLSRoute;
import dev.skiff.controlplane.model.Labels;
import dev.skiff.controlplane.model.MeshSnapshot;
import dev.skiff.controlplane.model.VirtualServiceConfig;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.FilterChainMatch;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.listener.v3.ListenerFilter;
import io.envoyproxy.envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * SNI routing on the sidecar's outbound listener, as Istio builds it for TLS and HTTPS ports
 * ({@code buildSidecarOutboundTLSFilterChainOpts}): each VirtualService {@code tls} match that applies to the port
 * and the proxy gives a filter chain matching {@code transport_protocol: tls} and its {@code sniHosts} as
 * {@code server_names}, whose {@code tcp_proxy} goes to the route's destinations; a TLS or HTTPS service without such
 * a match gets one chain for its own host name as the server name. The listener then runs Envoy's TLS inspector.
 */
final class TlsChainGenerator {
    static final String TLS_INSPECTOR = "envoy.filters.listener.tls_inspector";
    private static final String TLS = "tls";

    private TlsChainGenerator() {
    }

    /**
     * Adds the chains of {@code port} when SNI tells its services apart: a TLS or HTTPS service, or one whose
     * VirtualService has a {@code tls} match for this port and proxy. After the SNI chains comes at most one chain
     * without server names: the first TCP service on the port, or the first TLS service whose VirtualService has a
     * {@code tcp} route for the proxy. A server name already served by an earlier chain is left out of later ones.
     *
     * @return false when no service on the port is routed by SNI (the caller builds the port's TCP chain)
     */
    static boolean addChains(Listener.Builder listener, int port, List<OutboundPort> onPort, MeshSnapshot mesh,
                             ProxyContext proxy) {
        List<FilterChain> chains = new ArrayList<>();
        Set<String> claimed = new HashSet<>();
        OutboundPort plaintext = null;
        boolean routedBySni = false;
        for (OutboundPort target : onPort) {
            Optional<VirtualServiceConfig> virtualService = mesh.virtualService(target.host(), proxy.namespace());
            boolean tlsPort = target.port().protocol().isTls();
            boolean matched = false;
            if (virtualService.isPresent()) {
                for (TLSRoute route : virtualService.get().spec().getTlsList()) {
                    for (TLSMatchAttributes match : route.getMatchList()) {
                        if (applies(match, port, proxy)) {
                            matched = true;
                            addChain(chains, claimed, port, match.getSniHostsList(), ListenerGenerator.tcpProxy(
                                    statPrefix(route, virtualService.get(), target, mesh), route.getRouteList(),
                                    virtualService.get(), target, mesh));
                        }
                    }
                }
            }
            if (tlsPort && !matched) {
                addChain(chains, claimed, port, List.of(target.host()),
                        ListenerGenerator.tcpProxy(target.clusterName(), List.of(), null, target, mesh));
            }
            routedBySni |= tlsPort || matched;
            boolean tcpRouted = virtualService.isPresent()
                    && !ListenerGenerator.tcpDestinations(virtualService.get(), port, proxy).isEmpty();
            if (plaintext == null && (!tlsPort || tcpRouted)) {
                plaintext = target;
            }
        }
        if (!routedBySni) {
            return false;
        }
        listener.addAllFilterChains(chains);
        if (plaintext != null) {
            listener.addFilterChains(FilterChain.newBuilder()
                    .setName(plaintext.clusterName())
                    .setFilterChainMatch(FilterChainMatch.newBuilder().setDestinationPort(UInt32Value.of(port)))
                    .addFilters(ListenerGenerator.filter(EnvoyProtos.TCP_PROXY,
                            Any.pack(ListenerGenerator.tcpProxy(plaintext, mesh, proxy)))));
        }
        return true;
    }

    /** Puts Envoy's TLS inspector on a listener with chains that match server names. */
    static void addInspector(Listener.Builder listener) {
        boolean matchesServerNames = listener.getFilterChainsList().stream()
                .anyMatch(chain -> chain.getFilterChainMatch().getServerNamesCount() > 0);
        if (matchesServerNames) {
            listener.addListenerFilters(ListenerFilter.newBuilder()
                    .setName(TLS_INSPECTOR)
                    .setTypedConfig(Any.pack(TlsInspector.getDefaultInstance())));
        }
    }

    /**
     * Istio's {@code matchTLS}: the match's port is this one or unset, its gateways include {@code mesh} or are
     * unset, and its source namespace and labels fit the proxy. A match naming destination subnets is left out: the
     * outbound listener tells destinations apart by port, not address (the snapshot reports it).
     */
    private static boolean applies(TLSMatchAttributes match, int port, ProxyContext proxy) {
        return (match.getPort() == 0 || match.getPort() == port)
                && (match.getGatewaysCount() == 0
                        || match.getGatewaysList().contains(VirtualServiceConfig.MESH_GATEWAY))
                && (match.getSourceNamespace().isEmpty() || match.getSourceNamespace().equals(proxy.namespace()))
                && Labels.matches(match.getSourceLabelsMap(), proxy.labels())
                && match.getDestinationSubnetsCount() == 0;
    }

    private static void addChain(List<FilterChain> chains, Set<String> claimed, int port, List<String> sniHosts,
                                 TcpProxy tcpProxy) {
        List<String> serverNames = new ArrayList<>(sniHosts.size());
        for (String sni : sniHosts) {
            if (claimed.add(sni)) {
                serverNames.add(sni);
            }
        }
        if (serverNames.isEmpty()) {
            return;
        }
        chains.add(FilterChain.newBuilder()
                .setName(chainName(port, serverNames.getFirst()))
                .setFilterChainMatch(FilterChainMatch.newBuilder()
                        .setDestinationPort(UInt32Value.of(port))
                        .addAllServerNames(serverNames)
                        .setTransportProtocol(TLS))
                .addFilters(ListenerGenerator.filter(EnvoyProtos.TCP_PROXY, Any.pack(tcpProxy)))
                .build());
    }

    /**
     * Istio's stat prefix of a route's {@code tcp_proxy}: the destination's cluster for one destination, the
     * VirtualService's {@code <name>.<namespace>} for several.
     */
    private static String statPrefix(TLSRoute route, VirtualServiceConfig virtualService, OutboundPort target,
                                     MeshSnapshot mesh) {
        return route.getRouteCount() == 1
                ? Destinations.clusterName(mesh, virtualService, route.getRoute(0).getDestination(), target)
                : virtualService.name() + "." + virtualService.namespace();
    }

    /**
     * {@code sni|<port>|<server name>}, named after the first server name it serves: unique on the listener, and
     * apart from the {@code outbound|<port>||<host>} names of the TCP chains.
     */
    static String chainName(int port, String serverName) {
        return "sni|" + port + "|" + serverName;
    }
}
