package dev.skiff.controlplane.xds.generator;

import com.google.protobuf.Any;
import com.google.protobuf.BoolValue;
import com.google.protobuf.Duration;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.skiff.api.metadataexchange.MetadataExchange;
import dev.skiff.api.networking.v1alpha3.ClientTLSSettings;
import dev.skiff.api.networking.v1alpha3.Subset;
import dev.skiff.api.networking.v1alpha3.TrafficPolicy;
import dev.skiff.controlplane.model.DestinationRuleConfig;
import dev.skiff.controlplane.model.PeerAuthentications;
import dev.skiff.controlplane.model.WorkloadInstance;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.cluster.v3.Filter;
import io.envoyproxy.envoy.config.core.v3.ApiConfigSource;
import io.envoyproxy.envoy.config.core.v3.ApiVersion;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.GrpcService;
import io.envoyproxy.envoy.config.core.v3.Metadata;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Transport sockets as Istio generates them.
 *
 * <p>Outbound clusters of sidecars: with no DestinationRule {@code tls}, auto mutual TLS: a
 * {@code tlsMode-istio} transport socket match (ISTIO_MUTUAL, verifying the SPIFFE identities of the service's
 * workloads) for endpoints labelled {@code security.istio.io/tlsMode: istio}, and {@code tlsMode-disabled}
 * (plaintext) for the others; added only when one of the service's endpoints is meshed. A DestinationRule's
 * {@code tls} (the subset's, else the rule's; port-level settings first) sets one transport socket for every
 * endpoint: DISABLE (none), SIMPLE, MUTUAL (certificates from files, as SDS secrets {@code file-cert:CERT~KEY} and
 * {@code file-root:CA}) or ISTIO_MUTUAL ({@code default} and {@code ROOTCA}).
 *
 * <p>Inbound listeners of sidecars: STRICT ports get one chain matching {@code transport_protocol: tls} that
 * terminates mutual TLS; PERMISSIVE ports of meshed workloads get that chain and a plaintext chain matching
 * {@code raw_buffer}; DISABLE ports, and PERMISSIVE ports of workloads that are not meshed (no workload certificate
 * to present), stay plaintext.
 *
 * <p>TCP ports carry Istio's TCP metadata exchange: their outbound clusters have the upstream network filter
 * {@value #METADATA_EXCHANGE} and offer ALPN {@code istio-peer-exchange, istio} under ISTIO_MUTUAL; their inbound
 * mutual TLS chains start with the same network filter and accept {@code istio-peer-exchange, h2, http/1.1}. HTTP
 * ports keep {@code istio} ({@code istio, h2} for HTTP/2) and {@code h2, http/1.1}: HTTP exchanges metadata in
 * headers.
 */
public final class TransportSocketGenerator {
    /** The label (and endpoint metadata key) marking a workload whose sidecar speaks Istio mutual TLS. */
    public static final String TLS_MODE_LABEL = "security.istio.io/tlsMode";
    /** The value of {@link #TLS_MODE_LABEL} for meshed workloads. */
    public static final String TLS_MODE_ISTIO = "istio";
    /** The trust domain of Istio's and Skiff's CA unless configured otherwise. */
    public static final String DEFAULT_TRUST_DOMAIN = "cluster.local";
    /** Istio's SDS cluster, the agent's SDS server. */
    static final String SDS_CLUSTER = "sds-grpc";
    static final String TLS_SOCKET = "envoy.transport_sockets.tls";
    static final String RAW_BUFFER_SOCKET = "envoy.transport_sockets.raw_buffer";
    static final String TRANSPORT_SOCKET_MATCH = "envoy.transport_socket_match";
    /** Istio's TCP metadata exchange filter, on outbound clusters and inbound chains of TCP ports. */
    static final String METADATA_EXCHANGE = "istio.metadata_exchange";
    /** The ALPN protocol under which sidecars exchange their metadata at the start of a TCP connection. */
    static final String PEER_EXCHANGE = "istio-peer-exchange";
    private static final List<String> ALPN_IN_MESH = List.of("istio");
    private static final List<String> ALPN_IN_MESH_MX = List.of(PEER_EXCHANGE, "istio");
    private static final List<String> ALPN_DOWNSTREAM_MX = List.of(PEER_EXCHANGE, "h2", "http/1.1");
    private static final Any METADATA_EXCHANGE_CONFIG = Any.pack(MetadataExchange.newBuilder()
            .setProtocol(PEER_EXCHANGE).build());
    private static final List<String> ALPN_IN_MESH_H2 = List.of("istio", "h2");
    private static final List<String> ALPN_DOWNSTREAM = List.of("h2", "http/1.1");
    private static final String DEFAULT_SERVICE_ACCOUNT = "default";

    private final String trustDomain;

    /** @param trustDomain the trust domain of the mesh's SPIFFE identities */
    public TransportSocketGenerator(String trustDomain) {
        this.trustDomain = trustDomain;
    }

    /** Whether a workload with these labels runs a sidecar with a workload certificate. */
    public static boolean isMeshed(Map<String, String> labels) {
        return TLS_MODE_ISTIO.equals(labels.get(TLS_MODE_LABEL));
    }

    /** The endpoint metadata Envoy's transport socket matches read, for a meshed workload; empty otherwise. */
    public static Optional<Metadata> endpointMetadata(Map<String, String> labels) {
        if (!isMeshed(labels)) {
            return Optional.empty();
        }
        return Optional.of(Metadata.newBuilder().putFilterMetadata(TRANSPORT_SOCKET_MATCH, Struct.newBuilder()
                .putFields("tlsMode", Value.newBuilder().setStringValue(TLS_MODE_ISTIO).build()).build()).build());
    }

    /** The outbound clusters of a service port (as {@link ClusterGenerator} made them) with transport sockets. */
    public List<Cluster> secure(List<Cluster> clusters, OutboundPort target,
                                Optional<DestinationRuleConfig> destinationRule, List<WorkloadInstance> instances) {
        TrafficPolicy rulePolicy = destinationRule.map(rule -> rule.spec().getTrafficPolicy())
                .orElse(TrafficPolicy.getDefaultInstance());
        List<Cluster> secured = new ArrayList<>(clusters.size());
        for (Cluster cluster : clusters) {
            String subset = subsetOf(cluster.getName());
            TrafficPolicy subsetPolicy = destinationRule.flatMap(rule -> rule.spec().getSubsetsList().stream()
                    .filter(candidate -> candidate.getName().equals(subset)).findFirst())
                    .map(Subset::getTrafficPolicy).orElse(TrafficPolicy.getDefaultInstance());
            Optional<ClientTLSSettings> tls = tlsSettings(target.number(), rulePolicy, subsetPolicy);
            Cluster.Builder builder = cluster.toBuilder();
            String sni = "outbound_." + target.number() + "_." + subset + "_." + target.host();
            boolean http2 = target.port().protocol().isHttp2();
            List<String> alpn = http2 ? ALPN_IN_MESH_H2
                    : target.port().protocol().isHttp() ? ALPN_IN_MESH : ALPN_IN_MESH_MX;
            if (!target.port().protocol().isHttp()) {
                builder.addFilters(Filter.newBuilder().setName(METADATA_EXCHANGE)
                        .setTypedConfig(METADATA_EXCHANGE_CONFIG));
            }
            if (tls.isEmpty()) {
                if (instances.stream().anyMatch(instance -> isMeshed(instance.labels()))) {
                    builder.addTransportSocketMatches(Cluster.TransportSocketMatch.newBuilder()
                                    .setName("tlsMode-istio")
                                    .setMatch(Struct.newBuilder().putFields("tlsMode",
                                            Value.newBuilder().setStringValue(TLS_MODE_ISTIO).build()))
                                    .setTransportSocket(upstream(istioMutual(alpn, sni,
                                            identities(target, instances, List.of())))))
                            .addTransportSocketMatches(Cluster.TransportSocketMatch.newBuilder()
                                    .setName("tlsMode-disabled")
                                    .setTransportSocket(TransportSocket.newBuilder().setName(RAW_BUFFER_SOCKET)));
                }
            } else {
                ClientTLSSettings settings = tls.get();
                switch (settings.getMode()) {
                    case ISTIO_MUTUAL -> builder.setTransportSocket(upstream(istioMutual(alpn,
                            settings.getSni().isEmpty() ? sni : settings.getSni(),
                            identities(target, instances, settings.getSubjectAltNamesList()))));
                    case SIMPLE, MUTUAL -> builder.setTransportSocket(upstream(fromFiles(settings, http2)));
                    default -> {
                    }
                }
            }
            secured.add(builder.build());
        }
        return secured;
    }

    /** The most specific {@code tls}: the subset's port-level, the subset's, the rule's port-level, the rule's. */
    private static Optional<ClientTLSSettings> tlsSettings(int port, TrafficPolicy rule, TrafficPolicy subset) {
        for (TrafficPolicy policy : List.of(subset, rule)) {
            for (TrafficPolicy.PortTrafficPolicy portPolicy : policy.getPortLevelSettingsList()) {
                if (portPolicy.getPort().getNumber() == port && portPolicy.hasTls()) {
                    return Optional.of(portPolicy.getTls());
                }
            }
            if (policy.hasTls()) {
                return Optional.of(policy.getTls());
            }
        }
        return Optional.empty();
    }

    private static String subsetOf(String clusterName) {
        String[] parts = clusterName.split("\\|", 4);
        return parts.length == 4 ? parts[2] : "";
    }

    /**
     * The SANs a server of the service must present: {@code explicit} when set, else the SPIFFE IDs of the service
     * accounts of its workloads ({@code default} when a workload names none).
     */
    private List<String> identities(OutboundPort target, List<WorkloadInstance> instances, List<String> explicit) {
        if (!explicit.isEmpty()) {
            return List.copyOf(explicit);
        }
        TreeSet<String> identities = new TreeSet<>();
        for (WorkloadInstance instance : instances) {
            String account = instance.serviceAccount().isEmpty() ? DEFAULT_SERVICE_ACCOUNT : instance.serviceAccount();
            identities.add("spiffe://" + trustDomain + "/ns/" + target.service().namespace() + "/sa/" + account);
        }
        return List.copyOf(identities);
    }

    private static UpstreamTlsContext istioMutual(List<String> alpn, String sni, List<String> sans) {
        return UpstreamTlsContext.newBuilder()
                .setCommonTlsContext(commonTlsContext(alpn, "default", "ROOTCA", sans))
                .setSni(sni)
                .build();
    }

    private static UpstreamTlsContext fromFiles(ClientTLSSettings settings, boolean http2) {
        boolean verify = !settings.getCaCertificates().isEmpty()
                && !(settings.hasInsecureSkipVerify() && settings.getInsecureSkipVerify().getValue());
        String certificate = settings.getMode() == ClientTLSSettings.TLSmode.MUTUAL
                ? "file-cert:" + settings.getClientCertificate() + "~" + settings.getPrivateKey() : "";
        return UpstreamTlsContext.newBuilder()
                .setCommonTlsContext(commonTlsContext(http2 ? List.of("h2") : List.of(), certificate,
                        verify ? "file-root:" + settings.getCaCertificates() : "", settings.getSubjectAltNamesList()))
                .setSni(settings.getSni())
                .build();
    }

    private static CommonTlsContext commonTlsContext(List<String> alpn, String certificate, String roots,
                                                     List<String> sans) {
        CommonTlsContext.Builder common = CommonTlsContext.newBuilder().addAllAlpnProtocols(alpn);
        if (!certificate.isEmpty()) {
            common.addTlsCertificateSdsSecretConfigs(sds(certificate));
        }
        if (!roots.isEmpty()) {
            CertificateValidationContext.Builder validation = CertificateValidationContext.newBuilder();
            for (String san : sans) {
                validation.addMatchSubjectAltNames(StringMatcher.newBuilder().setExact(san));
            }
            common.setCombinedValidationContext(CommonTlsContext.CombinedCertificateValidationContext.newBuilder()
                    .setDefaultValidationContext(validation)
                    .setValidationContextSdsSecretConfig(sds(roots)));
        }
        return common.build();
    }

    /** An SDS secret served by the agent over {@value #SDS_CLUSTER}, as Istio refers to it. */
    static SdsSecretConfig sds(String name) {
        return SdsSecretConfig.newBuilder()
                .setName(name)
                .setSdsConfig(ConfigSource.newBuilder()
                        .setApiConfigSource(ApiConfigSource.newBuilder()
                                .setApiType(ApiConfigSource.ApiType.GRPC)
                                .setSetNodeOnFirstMessageOnly(true)
                                .setTransportApiVersion(ApiVersion.V3)
                                .addGrpcServices(GrpcService.newBuilder().setEnvoyGrpc(
                                        GrpcService.EnvoyGrpc.newBuilder().setClusterName(SDS_CLUSTER))))
                        .setInitialFetchTimeout(Duration.getDefaultInstance())
                        .setResourceApiVersion(ApiVersion.V3))
                .build();
    }

    private static TransportSocket upstream(UpstreamTlsContext context) {
        return TransportSocket.newBuilder().setName(TLS_SOCKET).setTypedConfig(Any.pack(context)).build();
    }

    /**
     * An inbound listener (one plaintext chain, as {@link ListenerGenerator} makes it) with the chains of the port's
     * mutual TLS mode. The mutual TLS chain of a TCP port starts with the metadata exchange filter and also accepts
     * ALPN {@code istio-peer-exchange}.
     */
    public static Listener secureInbound(Listener listener, PeerAuthentications.Mode mode, boolean meshed) {
        if (mode == PeerAuthentications.Mode.DISABLE || (mode == PeerAuthentications.Mode.PERMISSIVE && !meshed)) {
            return listener;
        }
        FilterChain plaintext = listener.getFilterChains(0);
        boolean tcp = plaintext.getFiltersList().stream()
                .anyMatch(filter -> filter.getName().equals(EnvoyProtos.TCP_PROXY));
        FilterChain.Builder mutualTls = plaintext.toBuilder()
                .setFilterChainMatch(plaintext.getFilterChainMatch().toBuilder().setTransportProtocol("tls"))
                .setTransportSocket(TransportSocket.newBuilder().setName(TLS_SOCKET).setTypedConfig(Any.pack(
                        DownstreamTlsContext.newBuilder()
                                .setCommonTlsContext(commonTlsContext(tcp ? ALPN_DOWNSTREAM_MX : ALPN_DOWNSTREAM,
                                        "default", "ROOTCA", List.of()))
                                .setRequireClientCertificate(BoolValue.of(true))
                                .build())));
        if (tcp) {
            mutualTls.addFilters(0, ListenerGenerator.filter(METADATA_EXCHANGE, METADATA_EXCHANGE_CONFIG));
        }
        Listener.Builder secured = listener.toBuilder().clearFilterChains().addFilterChains(mutualTls);
        if (mode == PeerAuthentications.Mode.PERMISSIVE) {
            secured.addFilterChains(plaintext.toBuilder()
                    .setName(plaintext.getName() + "-plaintext")
                    .setFilterChainMatch(plaintext.getFilterChainMatch().toBuilder()
                            .setTransportProtocol("raw_buffer")));
        }
        return secured.build();
    }
}
