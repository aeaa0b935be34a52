package dev.skiff.proxy.xds.translate;

import com.google.protobuf.Any;
import dev.skiff.proxy.model.ChainAction;
import dev.skiff.proxy.model.Direction;
import dev.skiff.proxy.model.DownstreamTlsSpec;
import dev.skiff.proxy.model.FilterChainSpec;
import dev.skiff.proxy.authz.RbacRules;
import dev.skiff.proxy.model.HttpConnectionManagerSpec;
import dev.skiff.proxy.model.ListenerSpec;
import dev.skiff.proxy.model.RouteTable;
import dev.skiff.proxy.model.TcpProxySpec;
import dev.skiff.proxy.model.WeightedCluster;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.FilterChainMatch;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code Listener} to {@link ListenerSpec}: its address, direction, original-destination flag and filter chains
 * matched by destination port and server names. Each chain holds exactly one network filter, an
 * {@code HttpConnectionManager} (RDS or inline routes, router filter only) or a {@code TcpProxy}; the
 * {@code default_filter_chain} becomes a last chain serving any port.
 */
public final class ListenerTranslator {
    public static final String HTTP_CONNECTION_MANAGER = "envoy.filters.network.http_connection_manager";
    public static final String TCP_PROXY = "envoy.filters.network.tcp_proxy";
    /** The Envoy name of the RBAC network filter. */
    public static final String NETWORK_RBAC = "envoy.filters.network.rbac";
    public static final String ROUTER = "envoy.filters.http.router";

    private static final Set<String> LISTENER_FIELDS = Set.of("name", "address", "filter_chains",
            "default_filter_chain", "use_original_dst", "traffic_direction", "bind_to_port", "listener_filters");
    private static final Set<String> LISTENER_IGNORED = Set.of("stat_prefix", "metadata");
    private static final Set<String> CHAIN_FIELDS = Set.of("filter_chain_match", "filters", "name",
            "transport_socket");
    private static final Set<String> CHAIN_MATCH_FIELDS = Set.of("destination_port", "server_names",
            "transport_protocol");
    private static final Set<String> FILTER_FIELDS = Set.of("name", "typed_config");
    private static final Set<String> HCM_FIELDS = Set.of("codec_type", "rds", "route_config", "http_filters",
            "tracing", "access_log");
    private static final Set<String> STAT_PREFIX = Set.of("stat_prefix");
    private static final Set<String> RDS_FIELDS = Set.of("config_source", "route_config_name");
    private static final Set<String> HTTP_FILTER_FIELDS = Set.of("name", "typed_config");
    private static final Set<String> HTTP_FILTER_IGNORED = Set.of("is_optional");
    private static final Set<String> TCP_PROXY_FIELDS = Set.of("cluster", "weighted_clusters");
    private static final Set<String> TCP_WEIGHTED_FIELDS = Set.of("clusters");
    private static final Set<String> TCP_CLUSTER_WEIGHT_FIELDS = Set.of("name", "weight");

    private final RouteTranslator routes;

    public ListenerTranslator(RouteTranslator routes) {
        this.routes = routes;
    }

    public ListenerSpec translate(Listener listener) throws TranslationException {
        if (listener.getName().isEmpty()) {
            throw new TranslationException("listener: name is empty (expected: a listener name)");
        }
        String where = "listener " + listener.getName();
        if (listener.hasApiListener()) {
            throw new TranslationException(where + ": api_listener unsupported (expected: a listener with an address,"
                    + " api listeners are for proxyless gRPC clients)");
        }
        Messages.requireOnly(listener, where, LISTENER_FIELDS, LISTENER_IGNORED);
        if (listener.hasBindToPort() && !listener.getBindToPort().getValue()) {
            throw new TranslationException(where + ": bind_to_port false unsupported (expected: a listener the proxy binds)");
        }
        if (!listener.hasAddress()) {
            throw new TranslationException(where + ": address missing (expected: a socket_address to bind)");
        }
        InetSocketAddress address = Addresses.socketAddress(listener.getAddress(), where + ": address");
        Direction direction = switch (listener.getTrafficDirection()) {
            case INBOUND -> Direction.INBOUND;
            case OUTBOUND -> Direction.OUTBOUND;
            default -> throw new TranslationException(where + ": traffic_direction " + listener.getTrafficDirection()
                    + " (expected: INBOUND or OUTBOUND)");
        };
        boolean useOriginalDst = listener.hasUseOriginalDst() && listener.getUseOriginalDst().getValue();
        ListenerFilterTranslator.translate(listener.getListenerFiltersList(), where);
        List<FilterChainSpec> chains = new ArrayList<>(listener.getFilterChainsCount() + 1);
        Set<String> chainKeys = new LinkedHashSet<>();
        for (int i = 0; i < listener.getFilterChainsCount(); i++) {
            FilterChain chain = listener.getFilterChains(i);
            FilterChainSpec spec = chain(chain, where + ": filter chain " + chainLabel(chain, i), false);
            for (String key : matchKeys(spec)) {
                if (!chainKeys.add(key)) {
                    throw new TranslationException(where + ": filter chain " + chainLabel(chain, i) + ": matches "
                            + key + " like an earlier chain (expected: each destination port and server name"
                            + " served by one chain)");
                }
            }
            chains.add(spec);
        }
        if (listener.hasDefaultFilterChain()) {
            chains.add(chain(listener.getDefaultFilterChain(), where + ": default_filter_chain", true));
        }
        if (chains.isEmpty()) {
            throw new TranslationException(where + ": no filter chains (expected: at least one filter chain)");
        }
        return Messages.build(where, () -> new ListenerSpec(listener.getName(), address, direction, useOriginalDst,
                chains));
    }

    private static String chainLabel(FilterChain chain, int index) {
        return chain.getName().isEmpty() ? "#" + index : chain.getName();
    }

    private static List<String> matchKeys(FilterChainSpec spec) {
        String port = (spec.destinationPort() == 0 ? "any port" : "port " + spec.destinationPort())
                + (spec.transportProtocol().isEmpty() ? "" : " over " + spec.transportProtocol());
        if (spec.serverNames().isEmpty()) {
            return List.of(port);
        }
        List<String> keys = new ArrayList<>(spec.serverNames().size());
        for (String serverName : spec.serverNames()) {
            keys.add(port + " with server name " + serverName);
        }
        return keys;
    }

    private FilterChainSpec chain(FilterChain chain, String where, boolean isDefault) throws TranslationException {
        Messages.requireOnly(chain, where, CHAIN_FIELDS, Set.of("metadata"));
        int port = 0;
        Set<String> serverNames = Set.of();
        String transportProtocol = "";
        if (chain.hasFilterChainMatch()) {
            if (isDefault) {
                throw new TranslationException(where + ": filter_chain_match set"
                        + " (expected: none, the default chain serves what no other chain matches)");
            }
            FilterChainMatch match = chain.getFilterChainMatch();
            Messages.requireOnly(match, where + ": filter_chain_match", CHAIN_MATCH_FIELDS, Set.of());
            if (match.hasDestinationPort()) {
                long value = Integer.toUnsignedLong(match.getDestinationPort().getValue());
                if (value < 1 || value > 65535) {
                    throw new TranslationException(where + ": filter_chain_match.destination_port " + value
                            + " (expected: 1..65535)");
                }
                port = (int) value;
            }
            for (String name : match.getServerNamesList()) {
                if (name.isEmpty()) {
                    throw new TranslationException(where + ": filter_chain_match.server_names has an empty name"
                            + " (expected: host names or *.suffix wildcards)");
                }
            }
            serverNames = Set.copyOf(match.getServerNamesList());
            transportProtocol = match.getTransportProtocol();
            if (!transportProtocol.isEmpty() && !transportProtocol.equals(FilterChainSpec.TLS)
                    && !transportProtocol.equals(FilterChainSpec.RAW_BUFFER)) {
                throw new TranslationException(where + ": filter_chain_match.transport_protocol '"
                        + transportProtocol + "' (expected: tls or raw_buffer)");
            }
        }
        DownstreamTlsSpec tls = chain.hasTransportSocket()
                ? TransportSocketTranslator.downstream(chain.getTransportSocket(), where + ": transport_socket")
                : null;
        List<Filter> filters = chain.getFiltersList();
        boolean metadataExchange = filters.size() > 1 && MetadataExchangeTranslator.isExchange(filters.getFirst());
        if (metadataExchange) {
            MetadataExchangeTranslator.checkListenerFilter(filters.getFirst(), where + ": filter "
                    + filters.getFirst().getName());
            filters = filters.subList(1, filters.size());
        }
        List<RbacRules> networkRbac = new ArrayList<>();
        while (networkRbac.size() < filters.size() - 1 && isNetworkRbac(filters.get(networkRbac.size()))) {
            Filter rbac = filters.get(networkRbac.size());
            String at = where + ": filter " + rbac.getName();
            Messages.requireOnly(rbac, at, FILTER_FIELDS, Set.of());
            networkRbac.add(RbacTranslator.translateNetwork(Messages.unpack(rbac.getTypedConfig(),
                    io.envoyproxy.envoy.extensions.filters.network.rbac.v3.RBAC.class, at), at));
        }
        TelemetryTranslator.NetworkFilters network = TelemetryTranslator.networkFilters(
                filters.subList(networkRbac.size(), filters.size()), where);
        if (network.filters().size() != 1) {
            throw new TranslationException(where + ": " + chain.getFiltersCount() + " network filters"
                    + " (expected: exactly one, " + HTTP_CONNECTION_MANAGER + " or " + TCP_PROXY + ", after "
                    + NETWORK_RBAC + " and " + TelemetryTranslator.STATS_FILTER + " filters)");
        }
        ChainAction action = behindExchange(behindNetworkRbac(network.apply(filter(network.filters().getFirst(),
                where), where), networkRbac, where), metadataExchange, where);
        int chainPort = port;
        Set<String> chainServerNames = serverNames;
        String chainTransport = transportProtocol;
        return Messages.build(where, () -> new FilterChainSpec(chain.getName(), chainPort, chainServerNames, action,
                chainTransport, tls));
    }

    /** The chain's action behind its RBAC network filters, which only a TCP proxy takes. */
    private static ChainAction behindNetworkRbac(ChainAction action, List<RbacRules> networkRbac, String where)
            throws TranslationException {
        if (networkRbac.isEmpty()) {
            return action;
        }
        if (!(action instanceof TcpProxySpec tcp)) {
            throw new TranslationException(where + ": network filter " + NETWORK_RBAC + " before an HTTP"
                    + " connection manager (expected: envoy.filters.http.rbac among its http_filters; as a"
                    + " network filter only before a tcp_proxy)");
        }
        return tcp.withRbac(networkRbac);
    }

    /** The chain's action behind Istio's metadata exchange filter, which only a TCP proxy takes. */
    private static ChainAction behindExchange(ChainAction action, boolean metadataExchange, String where)
            throws TranslationException {
        if (!metadataExchange) {
            return action;
        }
        if (!(action instanceof TcpProxySpec tcp)) {
            throw new TranslationException(where + ": network filter " + MetadataExchangeTranslator.FILTER
                    + " before an HTTP connection manager (expected: only first in a chain ending with a tcp_proxy;"
                    + " HTTP exchanges peer metadata in headers)");
        }
        return tcp.withMetadataExchange();
    }

    private static boolean isNetworkRbac(Filter filter) {
        return filter.hasTypedConfig()
                && filter.getTypedConfig().is(io.envoyproxy.envoy.extensions.filters.network.rbac.v3.RBAC.class);
    }

    private ChainAction filter(Filter filter, String parent) throws TranslationException {
        String where = parent + ": filter " + filter.getName();
        Messages.requireOnly(filter, where, FILTER_FIELDS, Set.of());
        if (!filter.hasTypedConfig()) {
            throw new TranslationException(where + ": typed_config missing (expected: a typed "
                    + HTTP_CONNECTION_MANAGER + " or " + TCP_PROXY + " configuration)");
        }
        Any config = filter.getTypedConfig();
        if (config.is(HttpConnectionManager.class)) {
            return httpConnectionManager(Messages.unpack(config, HttpConnectionManager.class, where), where);
        }
        if (config.is(TcpProxy.class)) {
            return tcpProxy(Messages.unpack(config, TcpProxy.class, where), where);
        }
        throw new TranslationException(where + ": unsupported (expected: http_connection_manager or tcp_proxy;"
                + " got typed_config " + config.getTypeUrl() + ")");
    }

    private HttpConnectionManagerSpec httpConnectionManager(HttpConnectionManager hcm, String where)
            throws TranslationException {
        Messages.requireOnly(hcm, where, HCM_FIELDS, STAT_PREFIX);
        switch (hcm.getCodecType()) {
            case AUTO, HTTP1, HTTP2 -> {
            }
            default -> throw new TranslationException(where + ": codec_type " + hcm.getCodecType()
                    + " unsupported (expected: AUTO, HTTP1 or HTTP2)");
        }
        List<RbacRules> rbac = httpFilters(hcm.getHttpFiltersList(), where);
        return routes(hcm, where).withRbac(rbac)
                .withJwtAuthn(JwtAuthnTranslator.fromFilters(hcm.getHttpFiltersList(), where))
                .withTelemetry(TelemetryTranslator.translate(hcm, where));
    }

    private HttpConnectionManagerSpec routes(HttpConnectionManager hcm, String where) throws TranslationException {
        return switch (hcm.getRouteSpecifierCase()) {
            case RDS -> {
                Rds rds = hcm.getRds();
                Messages.requireOnly(rds, where + ": rds", RDS_FIELDS, Set.of());
                if (rds.getRouteConfigName().isEmpty()) {
                    throw new TranslationException(where + ": rds.route_config_name is empty"
                            + " (expected: the name of a route configuration)");
                }
                if (!rds.hasConfigSource()) {
                    throw new TranslationException(where + ": rds.config_source missing (expected: ads)");
                }
                ConfigSources.requireAds(rds.getConfigSource(), where + ": rds.config_source");
                yield HttpConnectionManagerSpec.rds(rds.getRouteConfigName());
            }
            case ROUTE_CONFIG -> {
                RouteTable table;
                try {
                    table = routes.translate(hcm.getRouteConfig());
                } catch (TranslationException e) {
                    throw new TranslationException(where + ": route_config: " + e.getMessage());
                }
                yield HttpConnectionManagerSpec.inline(table);
            }
            case SCOPED_ROUTES -> throw new TranslationException(where
                    + ": scoped_routes unsupported (expected: rds or route_config)");
            case ROUTESPECIFIER_NOT_SET -> throw new TranslationException(where
                    + ": no routes (expected: rds or route_config)");
        };
    }

    /**
     * The router, last, after any of the filters Skiff runs before it (with empty listener-level configs) and RBAC
     * filters.
     *
     * @return the RBAC filters, in order
     */
    private static List<RbacRules> httpFilters(List<HttpFilter> filters, String where) throws TranslationException {
        if (filters.isEmpty()) {
            throw new TranslationException(where + ": no http_filters (expected: " + ROUTER + " as the last filter)");
        }
        List<RbacRules> rbac = new ArrayList<>();
        for (int i = 0; i < filters.size(); i++) {
            HttpFilter filter = filters.get(i);
            String filterWhere = where + ": http filter " + filter.getName();
            Messages.requireOnly(filter, filterWhere, HTTP_FILTER_FIELDS, HTTP_FILTER_IGNORED);
            if (i != filters.size() - 1 && filter.hasTypedConfig()
                    && filter.getTypedConfig().is(io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC.class)) {
                rbac.add(RbacTranslator.translate(Messages.unpack(filter.getTypedConfig(),
                        io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC.class, filterWhere), filterWhere));
                continue;
            }
            if (i != filters.size() - 1 && JwtAuthnTranslator.isJwtAuthn(filter)) {
                continue;
            }
            boolean router = filter.hasTypedConfig() ? filter.getTypedConfig().is(Router.class)
                    : filter.getName().equals(ROUTER);
            if (!router && i != filters.size() - 1
                    && HttpFilterTranslator.acceptsListenerFilter(filter, filterWhere)) {
                continue;
            }
            if (!router) {
                String type = filter.hasTypedConfig() ? filter.getTypedConfig().getTypeUrl() : "no typed_config";
                throw new TranslationException(filterWhere + ": unsupported (expected: " + ROUTER + ", after any of "
                        + HttpFilterTranslator.LISTENER_FILTERS + "; got "
                        + type + ")");
            }
            if (filter.hasTypedConfig()) {
                Messages.unpack(filter.getTypedConfig(), Router.class, filterWhere);
            }
            if (i != filters.size() - 1) {
                throw new TranslationException(filterWhere + ": router at position " + i + " of " + filters.size()
                        + " (expected: the router as the last http filter)");
            }
        }
        return rbac;
    }

    private static TcpProxySpec tcpProxy(TcpProxy tcp, String where) throws TranslationException {
        Messages.requireOnly(tcp, where, TCP_PROXY_FIELDS, STAT_PREFIX);
        return switch (tcp.getClusterSpecifierCase()) {
            case CLUSTER -> {
                if (tcp.getCluster().isEmpty()) {
                    throw new TranslationException(where + ": cluster is empty (expected: a cluster name)");
                }
                yield TcpProxySpec.of(tcp.getCluster());
            }
            case WEIGHTED_CLUSTERS -> {
                TcpProxy.WeightedCluster weighted = tcp.getWeightedClusters();
                String weightedWhere = where + ": weighted_clusters";
                Messages.requireOnly(weighted, weightedWhere, TCP_WEIGHTED_FIELDS, Set.of());
                List<WeightedCluster> clusters = new ArrayList<>(weighted.getClustersCount());
                for (TcpProxy.WeightedCluster.ClusterWeight cluster : weighted.getClustersList()) {
                    String clusterWhere = weightedWhere + ": cluster " + cluster.getName();
                    Messages.requireOnly(cluster, clusterWhere, TCP_CLUSTER_WEIGHT_FIELDS, Set.of());
                    long weight = Integer.toUnsignedLong(cluster.getWeight());
                    if (weight < 1 || weight > Integer.MAX_VALUE) {
                        throw new TranslationException(clusterWhere + ": weight " + weight + " (expected: 1.."
                                + Integer.MAX_VALUE + ")");
                    }
                    clusters.add(Messages.build(clusterWhere,
                            () -> new WeightedCluster(cluster.getName(), (int) weight)));
                }
                yield Messages.build(weightedWhere, () -> new TcpProxySpec(clusters));
            }
            case CLUSTERSPECIFIER_NOT_SET -> throw new TranslationException(where
                    + ": no destination (expected: cluster or weighted_clusters)");
        };
    }
}
