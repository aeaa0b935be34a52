package dev.skiff.controlplane.monitor;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.filters.http.cors.v3.Cors;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.PerRouteConfig;
import io.envoyproxy.envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit;
import io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC;
import io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBACPerRoute;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;

/**
 * Prints packed Envoy resources as Envoy prints them in its own config dump: proto field names, no defaults. Knows
 * the four resource types and every extension Skiff's api-protos carry that a resource may pack (filters, protocol
 * options, TLS contexts).
 */
final class EnvoyJson {
    private static final JsonFormat.TypeRegistry TYPES = JsonFormat.TypeRegistry.newBuilder()
            .add(Cluster.getDescriptor())
            .add(ClusterLoadAssignment.getDescriptor())
            .add(Listener.getDescriptor())
            .add(RouteConfiguration.getDescriptor())
            .add(HttpConnectionManager.getDescriptor())
            .add(Router.getDescriptor())
            .add(TcpProxy.getDescriptor())
            .add(dev.skiff.api.metadataexchange.MetadataExchange.getDescriptor())
            .add(io.envoyproxy.envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector.getDescriptor())
            .add(HttpProtocolOptions.getDescriptor())
            .add(HTTPFault.getDescriptor())
            .add(Cors.getDescriptor())
            .add(LocalRateLimit.getDescriptor())
            .add(io.envoyproxy.envoy.config.route.v3.FilterConfig.getDescriptor())
            .add(io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.LocalReplyConfig
                    .getDescriptor())
            .add(dev.skiff.api.stats.PluginConfig.getDescriptor())
            .add(io.envoyproxy.envoy.extensions.access_loggers.file.v3.FileAccessLog.getDescriptor())
            .add(JwtAuthentication.getDescriptor())
            .add(PerRouteConfig.getDescriptor())
            .add(RBAC.getDescriptor())
            .add(RBACPerRoute.getDescriptor())
            .add(io.envoyproxy.envoy.extensions.filters.network.rbac.v3.RBAC.getDescriptor())
            .add(UpstreamTlsContext.getDescriptor())
            .add(DownstreamTlsContext.getDescriptor())
            .add(dev.skiff.controlplane.xds.generator.RoutePolicies.PREVIOUS_HOSTS_DESCRIPTOR)
            .build();

    private static final JsonFormat.Printer PRINTER = JsonFormat.printer()
            .usingTypeRegistry(TYPES)
            .preservingProtoFieldNames();

    private EnvoyJson() {
    }

    /**
     * @throws InvalidProtocolBufferException if the resource, or something packed inside it, is of a type the
     *                                        registry does not know
     */
    static String print(Any resource) throws InvalidProtocolBufferException {
        return PRINTER.print(resource);
    }
}
