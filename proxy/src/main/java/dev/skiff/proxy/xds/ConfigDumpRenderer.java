package dev.skiff.proxy.xds;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Timestamp;
import com.google.protobuf.TypeRegistry;
import com.google.protobuf.util.JsonFormat;
import io.envoyproxy.envoy.admin.v3.BootstrapConfigDump;
import io.envoyproxy.envoy.admin.v3.ClientResourceStatus;
import io.envoyproxy.envoy.admin.v3.ClustersConfigDump;
import io.envoyproxy.envoy.admin.v3.ConfigDump;
import io.envoyproxy.envoy.admin.v3.EndpointsConfigDump;
import io.envoyproxy.envoy.admin.v3.ListenersConfigDump;
import io.envoyproxy.envoy.admin.v3.RoutesConfigDump;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;

import java.time.Instant;
import java.util.Collection;

/**
 * Renders the accepted resources as Envoy's {@code /config_dump}: an {@code envoy.admin.v3.ConfigDump} with the
 * bootstrap (node), clusters, endpoints, listeners and routes, printed with protobuf's JSON mapping.
 */
final class ConfigDumpRenderer {
    private static final TypeRegistry TYPES = TypeRegistry.newBuilder()
            .add(ConfigDump.getDescriptor())
            .add(ClustersConfigDump.getDescriptor())
            .add(Bootstrap.getDescriptor())
            .add(Cluster.getDescriptor())
            .add(ClusterLoadAssignment.getDescriptor())
            .add(Listener.getDescriptor())
            .add(RouteConfiguration.getDescriptor())
            .add(HttpConnectionManager.getDescriptor())
            .add(TcpProxy.getDescriptor())
            .add(dev.skiff.api.metadataexchange.MetadataExchange.getDescriptor())
            .add(io.envoyproxy.envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector.getDescriptor())
            .add(Router.getDescriptor())
            .add(dev.skiff.api.stats.PluginConfig.getDescriptor())
            .add(io.envoyproxy.envoy.extensions.access_loggers.file.v3.FileAccessLog.getDescriptor())
            .add(HttpProtocolOptions.getDescriptor())
            .add(io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault.getDescriptor())
            .add(io.envoyproxy.envoy.extensions.filters.http.cors.v3.Cors.getDescriptor())
            .add(io.envoyproxy.envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit.getDescriptor())
            .add(io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC.getDescriptor())
            .add(io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication.getDescriptor())
            .add(io.envoyproxy.envoy.config.route.v3.FilterConfig.getDescriptor())
            .add(io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.LocalReplyConfig
                    .getDescriptor())
            .add(dev.skiff.proxy.xds.translate.ExtensionTypes.PREVIOUS_HOSTS_PREDICATE)
            .build();
    private static final JsonFormat.Printer PRINTER = JsonFormat.printer().usingTypeRegistry(TYPES);

    private ConfigDumpRenderer() {
    }

    static String render(Node node, Instant started, XdsConfigAssembler.AcceptedConfig config)
            throws InvalidProtocolBufferException {
        ConfigDump dump = ConfigDump.newBuilder()
                .addConfigs(Any.pack(BootstrapConfigDump.newBuilder()
                        .setBootstrap(Bootstrap.newBuilder().setNode(node))
                        .setLastUpdated(timestamp(started))
                        .build()))
                .addConfigs(Any.pack(clusters(config)))
                .addConfigs(Any.pack(endpoints(config.endpoints().values())))
                .addConfigs(Any.pack(listeners(config)))
                .addConfigs(Any.pack(routes(config.routes().values())))
                .build();
        return PRINTER.print(dump);
    }

    private static ClustersConfigDump clusters(XdsConfigAssembler.AcceptedConfig config) {
        ClustersConfigDump.Builder dump = ClustersConfigDump.newBuilder().setVersionInfo(config.clusterVersion());
        for (AcceptedResource<?> cluster : config.clusters().values()) {
            dump.addDynamicActiveClusters(ClustersConfigDump.DynamicCluster.newBuilder()
                    .setVersionInfo(cluster.version())
                    .setCluster(Any.pack(cluster.raw()))
                    .setLastUpdated(timestamp(cluster.lastUpdated()))
                    .setClientStatus(ClientResourceStatus.ACKED));
        }
        return dump.build();
    }

    private static EndpointsConfigDump endpoints(Collection<? extends AcceptedResource<?>> endpoints) {
        EndpointsConfigDump.Builder dump = EndpointsConfigDump.newBuilder();
        for (AcceptedResource<?> assignment : endpoints) {
            dump.addDynamicEndpointConfigs(EndpointsConfigDump.DynamicEndpointConfig.newBuilder()
                    .setVersionInfo(assignment.version())
                    .setEndpointConfig(Any.pack(assignment.raw()))
                    .setLastUpdated(timestamp(assignment.lastUpdated()))
                    .setClientStatus(ClientResourceStatus.ACKED));
        }
        return dump.build();
    }

    private static ListenersConfigDump listeners(XdsConfigAssembler.AcceptedConfig config) {
        ListenersConfigDump.Builder dump = ListenersConfigDump.newBuilder().setVersionInfo(config.listenerVersion());
        for (AcceptedResource<?> listener : config.listeners().values()) {
            dump.addDynamicListeners(ListenersConfigDump.DynamicListener.newBuilder()
                    .setName(listener.name())
                    .setActiveState(ListenersConfigDump.DynamicListenerState.newBuilder()
                            .setVersionInfo(listener.version())
                            .setListener(Any.pack(listener.raw()))
                            .setLastUpdated(timestamp(listener.lastUpdated())))
                    .setClientStatus(ClientResourceStatus.ACKED));
        }
        return dump.build();
    }

    private static RoutesConfigDump routes(Collection<? extends AcceptedResource<?>> routes) {
        RoutesConfigDump.Builder dump = RoutesConfigDump.newBuilder();
        for (AcceptedResource<?> route : routes) {
            dump.addDynamicRouteConfigs(RoutesConfigDump.DynamicRouteConfig.newBuilder()
                    .setVersionInfo(route.version())
                    .setRouteConfig(Any.pack(route.raw()))
                    .setLastUpdated(timestamp(route.lastUpdated()))
                    .setClientStatus(ClientResourceStatus.ACKED));
        }
        return dump.build();
    }

    private static Timestamp timestamp(Instant instant) {
        return Timestamp.newBuilder().setSeconds(instant.getEpochSecond()).setNanos(instant.getNano()).build();
    }
}
