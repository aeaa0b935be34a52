package dev.skiff.controlplane.xds.generator;

import com.google.protobuf.Any;
import com.google.protobuf.BoolValue;
import com.google.protobuf.UInt32Value;
import dev.skiff.api.networking.v1alpha3.L4MatchAttributes;
import dev.skiff.api.networking.v1alpha3.RouteDestination;
import dev.skiff.api.networking.v1alpha3.TCPRoute;
import dev.skiff.controlplane.authn.JwtAuthnFilterGenerator;
import dev.skiff.controlplane.authz.RbacFilterGenerator;
import dev.skiff.controlplane.model.AuthorizationPolicies;
import dev.skiff.controlplane.model.Labels;
import dev.skiff.controlplane.model.MeshSnapshot;
import dev.skiff.controlplane.model.VirtualServiceConfig;
import dev.skiff.controlplane.ratelimit.LocalRateLimitGenerator;
import dev.skiff.controlplane.meshconfig.MeshConfig;
import dev.skiff.controlplane.model.Workload;
import dev.skiff.controlplane.telemetryapi.TelemetryGenerator;
import dev.skiff.controlplane.telemetryapi.TracingProviders;
import io.envoyproxy.envoy.config.core.v3.TrafficDirection;
import io.envoyproxy.envoy.config.listener.v3.ApiListener;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.FilterChainMatch;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Listeners: a sidecar's {@code virtualOutbound} and {@code inbound|<targetPort>} listeners, and the
 * {@code api_listener} a proxyless gRPC client asks for by {@code <host>:<port>}.
 */
public final class ListenerGenerator {
    private final MeshConfig meshConfig;

    /** @param meshConfig the mesh config whose tracing providers the connection managers may name */
    public ListenerGenerator(MeshConfig meshConfig) {
        this.meshConfig = meshConfig;
    }

    /**
     * The sidecar's listeners: {@code virtualOutbound} at {@code <address>:15001}, then one inbound listener per
     * inbound port.
     *
     * <p>{@code virtualOutbound} has one filter chain per outbound port, matched by destination port: an HTTP
     * connection manager using RDS {@code <port>} when any service on the port speaks an HTTP-family protocol,
     * otherwise SNI chains when a service on it is TLS or has {@code tls} routes ({@link TlsChainGenerator}),
     * otherwise a TCP proxy for the first TCP service on it (by host; the snapshot reports the others).
     */
    public List<Listener> sidecarListeners(String address, List<OutboundPort> targets, List<InboundPort> inbound,
                                           MeshSnapshot mesh, ProxyContext proxy) {
        List<Listener> listeners = new ArrayList<>(1 + inbound.size());
        listeners.add(virtualOutbound(address, targets, mesh, proxy));
        boolean meshed = TransportSocketGenerator.isMeshed(proxy.labels());
        List<HttpFilter> rbac = new ArrayList<>();
        JwtAuthnFilterGenerator.generate(mesh.requestAuthentications(), proxy.namespace(), proxy.labels())
                .ifPresent(rbac::add);
        List<AuthorizationPolicies.Policy> policies = mesh.authorizationPolicies()
                .forWorkload(proxy.namespace(), proxy.labels());
        rbac.addAll(RbacFilterGenerator.generate(policies).filters());
        List<Filter> tcpRbac = RbacFilterGenerator.generateTcp(policies);
        LocalRateLimitGenerator.InboundLimits rateLimits = LocalRateLimitGenerator.forInbound(
                mesh.localRateLimits(), proxy.namespace(), proxy.labels());
        for (InboundPort port : inbound) {
            listeners.add(TransportSocketGenerator.secureInbound(inboundListener(address, port, rbac, tcpRbac,
                            rateLimits.any() ? LocalRateLimitGenerator.inboundRoutes(rateLimits, mesh,
                                    proxy.workload().orElse(null), port.clusterPort(), port.clusterName(),
                                    RouteGenerator.DEFAULT_ROUTE_NAME, RouteGenerator::routeMatch) : null),
                    mesh.peerAuthentications().mode(proxy.namespace(), proxy.labels(), port.listenerPort()), meshed));
        }
        return TelemetryGenerator.apply(listeners, mesh.telemetries(), proxy.namespace(), proxy.labels(),
                new TracingProviders(meshConfig, mesh, TracingProviders.serviceCluster(proxy.labels(),
                        proxy.workload().map(Workload::name), proxy.namespace())));
    }

    private static Listener virtualOutbound(String address, List<OutboundPort> targets, MeshSnapshot mesh,
                                            ProxyContext proxy) {
        Map<Integer, List<OutboundPort>> byPort = new TreeMap<>();
        for (OutboundPort target : targets) {
            byPort.computeIfAbsent(target.number(), port -> new ArrayList<>()).add(target);
        }
        Listener.Builder listener = Listener.newBuilder()
                .setName(XdsNames.VIRTUAL_OUTBOUND)
                .setAddress(EnvoyProtos.socketAddress(address, XdsNames.VIRTUAL_OUTBOUND_PORT))
                .setTrafficDirection(TrafficDirection.OUTBOUND)
                .setUseOriginalDst(BoolValue.of(true));
        byPort.forEach((port, onPort) -> {
            Optional<OutboundPort> http = onPort.stream().filter(target -> target.port().protocol().isHttp())
                    .findFirst();
            FilterChainMatch match = FilterChainMatch.newBuilder().setDestinationPort(UInt32Value.of(port)).build();
            if (http.isPresent()) {
                listener.addFilterChains(FilterChain.newBuilder()
                        .setName(XdsNames.portRoutes(port))
                        .setFilterChainMatch(match)
                        .addFilters(filter(EnvoyProtos.HTTP_CONNECTION_MANAGER, Any.pack(
                                EnvoyProtos.rdsConnectionManager("outbound_0.0.0.0_" + port,
                                        XdsNames.portRoutes(port)).toBuilder()
                                        .addHttpFilters(0, RouteActions.corsFilter()).build()))));
            } else if (!TlsChainGenerator.addChains(listener, port, onPort, mesh, proxy)) {
                OutboundPort tcp = onPort.getFirst();
                listener.addFilterChains(FilterChain.newBuilder()
                        .setName(tcp.clusterName())
                        .setFilterChainMatch(match)
                        .addFilters(filter(EnvoyProtos.TCP_PROXY, Any.pack(tcpProxy(tcp, mesh, proxy)))));
            }
        });
        TlsChainGenerator.addInspector(listener);
        // Ports no service uses: HTTP requests get 404 NR (Istio's REGISTRY_ONLY answer), and a mesh without
        // services still has a valid listener, so its sidecars become ready.
        listener.setDefaultFilterChain(FilterChain.newBuilder()
                .setName(XdsNames.BLACK_HOLE)
                .addFilters(filter(EnvoyProtos.HTTP_CONNECTION_MANAGER, Any.pack(
                        EnvoyProtos.inlineConnectionManager(XdsNames.BLACK_HOLE,
                                RouteConfiguration.newBuilder().setName(XdsNames.BLACK_HOLE).build())))));
        return listener.build();
    }

    /**
     * A TCP proxy to the service's cluster, or to the destinations of the first {@code tcp} route of its
     * VirtualService that applies to this port and this proxy (gateways, source labels and namespace as for HTTP
     * matches; one destination: {@code cluster}, several:
     * {@code weighted_clusters}).
     */
    static TcpProxy tcpProxy(OutboundPort target, MeshSnapshot mesh, ProxyContext proxy) {
        Optional<VirtualServiceConfig> virtualService = mesh.virtualService(target.host(), proxy.namespace());
        List<RouteDestination> destinations = virtualService.map(vs -> tcpDestinations(vs, target.number(), proxy))
                .orElse(List.of());
        return tcpProxy(target.clusterName(), destinations, virtualService.orElse(null), target, mesh);
    }

    /**
     * A TCP proxy named {@code statPrefix} to {@code destinations} of {@code virtualService} (one: {@code cluster},
     * several: {@code weighted_clusters}), or to the target's own cluster when there are none.
     */
    static TcpProxy tcpProxy(String statPrefix, List<RouteDestination> destinations,
                             VirtualServiceConfig virtualService, OutboundPort target, MeshSnapshot mesh) {
        TcpProxy.Builder tcpProxy = TcpProxy.newBuilder().setStatPrefix(statPrefix);
        if (destinations.isEmpty()) {
            return tcpProxy.setCluster(target.clusterName()).build();
        }
        if (destinations.size() == 1) {
            return tcpProxy.setCluster(Destinations.clusterName(mesh, virtualService,
                    destinations.getFirst().getDestination(), target)).build();
        }
        long total = destinations.stream().mapToLong(destination -> Math.max(0, destination.getWeight())).sum();
        Map<String, Integer> weights = new LinkedHashMap<>();
        for (RouteDestination destination : destinations) {
            weights.merge(Destinations.clusterName(mesh, virtualService, destination.getDestination(), target),
                    total == 0 ? 1 : Math.max(0, destination.getWeight()), Integer::sum);
        }
        TcpProxy.WeightedCluster.Builder weighted = TcpProxy.WeightedCluster.newBuilder();
        weights.forEach((cluster, weight) -> weighted.addClusters(
                TcpProxy.WeightedCluster.ClusterWeight.newBuilder().setName(cluster).setWeight(weight)));
        return tcpProxy.setWeightedClusters(weighted).build();
    }

    static List<RouteDestination> tcpDestinations(VirtualServiceConfig virtualService, int port,
                                                  ProxyContext proxy) {
        for (TCPRoute route : virtualService.spec().getTcpList()) {
            if (route.getMatchCount() == 0) {
                return route.getRouteList();
            }
            for (L4MatchAttributes match : route.getMatchList()) {
                if ((match.getPort() == 0 || match.getPort() == port) && (match.getGatewaysCount() == 0
                        || match.getGatewaysList().contains(VirtualServiceConfig.MESH_GATEWAY))
                        && (match.getSourceNamespace().isEmpty()
                                || match.getSourceNamespace().equals(proxy.namespace()))
                        && Labels.matches(match.getSourceLabelsMap(), proxy.labels())) {
                    return route.getRouteList();
                }
            }
        }
        return List.of();
    }

    /**
     * An inbound listener; an HTTP port's connection manager runs the workload's RBAC filters first, and its local
     * rate limit just before the router when it has one ({@code rateLimitedRoutes}, the inbound routes carrying the
     * buckets, null when none), configured on the inbound routes, where Istio users insert it with an EnvoyFilter.
     */
    private static Listener inboundListener(String address, InboundPort port, List<HttpFilter> rbac,
                                            List<Filter> tcpRbac, List<Route> rateLimitedRoutes) {
        String name = XdsNames.inboundListener(port.listenerPort());
        FilterChain.Builder chain = FilterChain.newBuilder().setName(name);
        Filter filter;
        if (port.protocol().isHttp()) {
            RouteConfiguration routes = RouteConfiguration.newBuilder()
                    .setName(name)
                    .addVirtualHosts(VirtualHost.newBuilder()
                            .setName("inbound|http|" + port.clusterPort())
                            .addDomains("*")
                            .addAllRoutes(rateLimitedRoutes != null ? rateLimitedRoutes : List.of(Route.newBuilder()
                                    .setName(RouteGenerator.DEFAULT_ROUTE_NAME)
                                    .setMatch(RouteMatch.newBuilder().setPrefix("/"))
                                    .setRoute(RouteAction.newBuilder().setCluster(port.clusterName()))
                                    .build())))
                    .build();
            HttpConnectionManager.Builder hcm = EnvoyProtos.inlineConnectionManager(
                    "inbound_0.0.0.0_" + port.listenerPort(), routes).toBuilder();
            for (int i = 0; i < rbac.size(); i++) {
                hcm.addHttpFilters(i, rbac.get(i));
            }
            if (rateLimitedRoutes != null) {
                hcm.addHttpFilters(hcm.getHttpFiltersCount() - 1, LocalRateLimitGenerator.listenerFilter());
            }
            filter = filter(EnvoyProtos.HTTP_CONNECTION_MANAGER, Any.pack(hcm.build()));
        } else {
            chain.addAllFilters(tcpRbac);
            filter = filter(EnvoyProtos.TCP_PROXY, Any.pack(TcpProxy.newBuilder()
                    .setStatPrefix(port.clusterName())
                    .setCluster(port.clusterName())
                    .build()));
        }
        return Listener.newBuilder()
                .setName(name)
                .setAddress(EnvoyProtos.socketAddress(address, port.listenerPort()))
                .setTrafficDirection(TrafficDirection.INBOUND)
                .addFilterChains(chain.addFilters(filter))
                .build();
    }

    /**
     * The listener a proxyless gRPC client asks for by name: an {@code api_listener} whose HTTP connection manager
     * uses RDS {@code routeName}.
     */
    public Listener apiListener(String name, String routeName) {
        return Listener.newBuilder()
                .setName(name)
                .setApiListener(ApiListener.newBuilder().setApiListener(Any.pack(
                        EnvoyProtos.rdsConnectionManager(name, routeName))))
                .build();
    }

    static Filter filter(String name, Any config) {
        return Filter.newBuilder().setName(name).setTypedConfig(config).build();
    }
}
