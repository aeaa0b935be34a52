package dev.skiff.proxy.xds.translate;

import com.google.protobuf.Any;
import dev.skiff.proxy.model.ClusterPolicy;
import dev.skiff.proxy.model.ClusterSpec;
import dev.skiff.proxy.model.EndpointSet;
import dev.skiff.proxy.model.LbPolicy;
import dev.skiff.proxy.model.UpstreamProtocol;
import dev.skiff.proxy.model.UpstreamTransport;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;

import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * {@code Cluster} to {@link ClusterSpec}: EDS clusters (endpoints over ADS) and STATIC clusters (endpoints in
 * {@code load_assignment}); ROUND_ROBIN or LEAST_REQUEST balancing; HTTP/1.1 upstreams unless
 * {@code envoy.extensions.upstreams.http.v3.HttpProtocolOptions} asks for explicit HTTP/2 or the downstream protocol.
 */
public final class ClusterTranslator {
    public static final String HTTP_PROTOCOL_OPTIONS_KEY = "envoy.extensions.upstreams.http.v3.HttpProtocolOptions";

    private static final Set<String> FIELDS = union(Set.of("name", "type", "eds_cluster_config", "connect_timeout",
            "lb_policy", "load_assignment", "typed_extension_protocol_options", "transport_socket",
            "transport_socket_matches", "filters"), ClusterPolicyTranslator.CLUSTER_FIELDS);
    private static final Set<String> IGNORED = Set.of("alt_stat_name", "metadata");
    private static final Set<String> EDS_FIELDS = Set.of("eds_config", "service_name");
    private static final Set<String> PROTOCOL_OPTIONS_FIELDS = Set.of("explicit_http_config",
            "use_downstream_protocol_config", "common_http_protocol_options");
    private static final Set<String> USE_DOWNSTREAM_FIELDS = Set.of("http_protocol_options", "http2_protocol_options");

    private final EndpointTranslator endpoints;

    public ClusterTranslator(EndpointTranslator endpoints) {
        this.endpoints = endpoints;
    }

    public TranslatedCluster translate(Cluster cluster) throws TranslationException {
        String name = cluster.getName();
        if (name.isEmpty()) {
            throw new TranslationException("cluster: name is empty (expected: a cluster name)");
        }
        String where = "cluster " + name;
        Messages.requireOnly(cluster, where, FIELDS, IGNORED);
        boolean isStatic = switch (cluster.getClusterDiscoveryTypeCase()) {
            case TYPE -> switch (cluster.getType()) {
                case EDS -> false;
                case STATIC -> true;
                default -> throw new TranslationException(where + ": type " + cluster.getType()
                        + " unsupported (expected: EDS or STATIC)");
            };
            case CLUSTER_TYPE -> throw new TranslationException(where + ": cluster_type "
                    + cluster.getClusterType().getName() + " unsupported (expected: type EDS or STATIC)");
            case CLUSTERDISCOVERYTYPE_NOT_SET -> true;
        };
        LbPolicy lbPolicy = lbPolicy(cluster, where);
        UpstreamProtocol protocol = protocolOf(cluster, where);
        Duration connectTimeout = connectTimeout(cluster, where);
        ClusterPolicy policy = ClusterPolicyTranslator.translate(cluster, commonHttpOptions(cluster, where), where);
        UpstreamTransport sockets = TransportSocketTranslator.upstream(cluster, where);
        UpstreamTransport transport = MetadataExchangeTranslator.cluster(cluster, where)
                ? sockets.withMetadataExchange() : sockets;
        ClusterSpec spec = Messages.build(where, () -> new ClusterSpec(name, lbPolicy, protocol, connectTimeout,
                isStatic, transport, policy));
        return isStatic ? staticCluster(cluster, spec, where) : eds(cluster, spec, where);
    }

    private static TranslatedCluster eds(Cluster cluster, ClusterSpec spec, String where) throws TranslationException {
        if (cluster.hasLoadAssignment()) {
            throw new TranslationException(where + ": load_assignment set on an EDS cluster"
                    + " (expected: endpoints from EDS only)");
        }
        Cluster.EdsClusterConfig eds = cluster.getEdsClusterConfig();
        Messages.requireOnly(eds, where + ": eds_cluster_config", EDS_FIELDS, Set.of());
        if (!eds.hasEdsConfig()) {
            throw new TranslationException(where + ": eds_cluster_config.eds_config missing (expected: ads)");
        }
        ConfigSources.requireAds(eds.getEdsConfig(), where + ": eds_cluster_config.eds_config");
        String serviceName = eds.getServiceName().isEmpty() ? spec.name() : eds.getServiceName();
        return new TranslatedCluster(spec, serviceName, null);
    }

    private TranslatedCluster staticCluster(Cluster cluster, ClusterSpec spec, String where) throws TranslationException {
        if (cluster.hasEdsClusterConfig()) {
            throw new TranslationException(where + ": eds_cluster_config set on a STATIC cluster (expected: type EDS)");
        }
        if (!cluster.hasLoadAssignment()) {
            throw new TranslationException(where + ": STATIC cluster without load_assignment"
                    + " (expected: the cluster's endpoints in load_assignment)");
        }
        EndpointSet set;
        try {
            set = endpoints.translate(cluster.getLoadAssignment(), spec.name());
        } catch (TranslationException e) {
            throw new TranslationException(where + ": load_assignment: " + e.getMessage());
        }
        return new TranslatedCluster(spec, null, set);
    }

    private static LbPolicy lbPolicy(Cluster cluster, String where) throws TranslationException {
        LbPolicy policy = switch (cluster.getLbPolicy()) {
            case ROUND_ROBIN -> LbPolicy.ROUND_ROBIN;
            case LEAST_REQUEST -> LbPolicy.LEAST_REQUEST;
            case RANDOM -> LbPolicy.RANDOM;
            case RING_HASH -> LbPolicy.RING_HASH;
            case MAGLEV -> LbPolicy.MAGLEV;
            default -> throw new TranslationException(where + ": lb_policy " + cluster.getLbPolicy()
                    + " unsupported (expected: ROUND_ROBIN, LEAST_REQUEST, RANDOM, RING_HASH or MAGLEV)");
        };
        Cluster.LbConfigCase config = cluster.getLbConfigCase();
        boolean fits = config == Cluster.LbConfigCase.LBCONFIG_NOT_SET
                || (config == Cluster.LbConfigCase.RING_HASH_LB_CONFIG && policy == LbPolicy.RING_HASH)
                || (config == Cluster.LbConfigCase.MAGLEV_LB_CONFIG && policy == LbPolicy.MAGLEV)
                || (config == Cluster.LbConfigCase.ROUND_ROBIN_LB_CONFIG && policy == LbPolicy.ROUND_ROBIN)
                || (config == Cluster.LbConfigCase.LEAST_REQUEST_LB_CONFIG && policy == LbPolicy.LEAST_REQUEST);
        if (!fits) {
            throw new TranslationException(where + ": " + Messages.lower(config) + " with lb_policy "
                    + cluster.getLbPolicy() + " unsupported (expected: ring_hash_lb_config with RING_HASH,"
                    + " maglev_lb_config with MAGLEV, round_robin_lb_config with ROUND_ROBIN,"
                    + " least_request_lb_config with LEAST_REQUEST, nothing else)");
        }
        return policy;
    }

    private static Duration connectTimeout(Cluster cluster, String where) throws TranslationException {
        if (!cluster.hasConnectTimeout()) {
            return ClusterSpec.DEFAULT_CONNECT_TIMEOUT;
        }
        Duration timeout = Durations.of(cluster.getConnectTimeout(), where + ": connect_timeout");
        if (timeout.isZero() || timeout.isNegative()) {
            throw new TranslationException(where + ": connect_timeout " + Durations.format(timeout)
                    + " (expected: > 0)");
        }
        return timeout;
    }

    private static Set<String> union(Set<String> first, Set<String> second) {
        Set<String> all = new HashSet<>(first);
        all.addAll(second);
        return Set.copyOf(all);
    }

    private static io.envoyproxy.envoy.config.core.v3.HttpProtocolOptions commonHttpOptions(Cluster cluster,
                                                                                          String where)
            throws TranslationException {
        Any packed = cluster.getTypedExtensionProtocolOptionsMap().get(HTTP_PROTOCOL_OPTIONS_KEY);
        if (packed == null) {
            return null;
        }
        HttpProtocolOptions http = Messages.unpack(packed, HttpProtocolOptions.class,
                where + ": typed_extension_protocol_options[\"" + HTTP_PROTOCOL_OPTIONS_KEY + "\"]");
        return http.hasCommonHttpProtocolOptions() ? http.getCommonHttpProtocolOptions() : null;
    }

    private static UpstreamProtocol protocolOf(Cluster cluster, String where) throws TranslationException {
        Map<String, Any> options = cluster.getTypedExtensionProtocolOptionsMap();
        for (String key : options.keySet()) {
            if (!key.equals(HTTP_PROTOCOL_OPTIONS_KEY)) {
                throw new TranslationException(where + ": typed_extension_protocol_options[\"" + key
                        + "\"] unsupported (expected: only " + HTTP_PROTOCOL_OPTIONS_KEY + ")");
            }
        }
        Any packed = options.get(HTTP_PROTOCOL_OPTIONS_KEY);
        if (packed == null) {
            return UpstreamProtocol.HTTP1;
        }
        String optionsWhere = where + ": typed_extension_protocol_options[\"" + HTTP_PROTOCOL_OPTIONS_KEY + "\"]";
        HttpProtocolOptions http = Messages.unpack(packed, HttpProtocolOptions.class, optionsWhere);
        Messages.requireOnly(http, optionsWhere, PROTOCOL_OPTIONS_FIELDS, Set.of());
        return switch (http.getUpstreamProtocolOptionsCase()) {
            case EXPLICIT_HTTP_CONFIG -> {
                HttpProtocolOptions.ExplicitHttpConfig explicit = http.getExplicitHttpConfig();
                String explicitWhere = optionsWhere + ": explicit_http_config";
                yield switch (explicit.getProtocolConfigCase()) {
                    case HTTP_PROTOCOL_OPTIONS -> {
                        Messages.requireOnly(explicit.getHttpProtocolOptions(),
                                explicitWhere + ": http_protocol_options", Set.of(), Set.of());
                        yield UpstreamProtocol.HTTP1;
                    }
                    case HTTP2_PROTOCOL_OPTIONS -> {
                        Messages.requireOnly(explicit.getHttp2ProtocolOptions(),
                                explicitWhere + ": http2_protocol_options", Set.of(), Set.of());
                        yield UpstreamProtocol.HTTP2;
                    }
                    case HTTP3_PROTOCOL_OPTIONS -> throw new TranslationException(explicitWhere
                            + ": http3_protocol_options unsupported (expected: http_protocol_options or"
                            + " http2_protocol_options)");
                    case PROTOCOLCONFIG_NOT_SET -> throw new TranslationException(explicitWhere
                            + ": no protocol (expected: http_protocol_options or http2_protocol_options)");
                };
            }
            case USE_DOWNSTREAM_PROTOCOL_CONFIG -> {
                HttpProtocolOptions.UseDownstreamHttpConfig downstream = http.getUseDownstreamProtocolConfig();
                String downstreamWhere = optionsWhere + ": use_downstream_protocol_config";
                Messages.requireOnly(downstream, downstreamWhere, USE_DOWNSTREAM_FIELDS, Set.of());
                Messages.requireOnly(downstream.getHttpProtocolOptions(), downstreamWhere + ": http_protocol_options",
                        Set.of(), Set.of());
                Messages.requireOnly(downstream.getHttp2ProtocolOptions(), downstreamWhere + ": http2_protocol_options",
                        Set.of(), Set.of());
                yield UpstreamProtocol.USE_DOWNSTREAM;
            }
            case AUTO_CONFIG -> throw new TranslationException(optionsWhere
                    + ": auto_config unsupported (expected: explicit_http_config or use_downstream_protocol_config)");
            case UPSTREAMPROTOCOLOPTIONS_NOT_SET -> UpstreamProtocol.HTTP1;
        };
    }
}
