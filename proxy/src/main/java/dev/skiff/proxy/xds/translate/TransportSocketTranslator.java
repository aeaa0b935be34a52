package dev.skiff.proxy.xds.translate;

import dev.skiff.proxy.model.DownstreamTlsSpec;
import dev.skiff.proxy.model.TransportSocketMatch;
import dev.skiff.proxy.model.UpstreamTlsSpec;
import dev.skiff.proxy.model.UpstreamTransport;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SubjectAltNameMatcher;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Envoy TLS transport sockets to {@link UpstreamTlsSpec} (clusters and their {@code transport_socket_matches}) and
 * {@link DownstreamTlsSpec} (listener filter chains). Certificates must come from SDS by name, as Istio generates
 * them ({@code default}, {@code ROOTCA}, {@code file-cert:…}, {@code file-root:…}); the proxy's agent provides the
 * secrets locally, whatever {@code sds_config} says. Inline certificates and other TLS features are rejected.
 */
public final class TransportSocketTranslator {
    public static final String TLS = "envoy.transport_sockets.tls";
    public static final String RAW_BUFFER = "envoy.transport_sockets.raw_buffer";

    private static final Set<String> SOCKET_FIELDS = Set.of("name", "typed_config");
    private static final Set<String> UPSTREAM_FIELDS = Set.of("common_tls_context", "sni");
    private static final Set<String> DOWNSTREAM_FIELDS = Set.of("common_tls_context", "require_client_certificate");
    private static final Set<String> COMMON_FIELDS = Set.of("alpn_protocols", "tls_certificate_sds_secret_configs",
            "combined_validation_context", "validation_context_sds_secret_config");
    private static final Set<String> COMBINED_FIELDS = Set.of("default_validation_context",
            "validation_context_sds_secret_config");
    private static final Set<String> VALIDATION_FIELDS = Set.of("match_subject_alt_names",
            "match_typed_subject_alt_names", "trust_chain_verification");
    private static final Set<String> SDS_FIELDS = Set.of("name", "sds_config");
    private static final Set<String> MATCH_FIELDS = Set.of("name", "match", "transport_socket");
    private static final String MATCH_METADATA = "envoy.transport_socket_match";

    private TransportSocketTranslator() {
    }

    /** A cluster's {@code transport_socket} and {@code transport_socket_matches}. */
    public static UpstreamTransport upstream(Cluster cluster, String where) throws TranslationException {
        UpstreamTlsSpec defaultTls = cluster.hasTransportSocket()
                ? upstreamSocket(cluster.getTransportSocket(), where + ": transport_socket")
                : null;
        List<TransportSocketMatch> matches = new ArrayList<>(cluster.getTransportSocketMatchesCount());
        for (int i = 0; i < cluster.getTransportSocketMatchesCount(); i++) {
            Cluster.TransportSocketMatch match = cluster.getTransportSocketMatches(i);
            String matchWhere = where + ": transport_socket_matches[" + i + "]";
            Messages.requireOnly(match, matchWhere, MATCH_FIELDS, Set.of());
            Map<String, String> criteria = new LinkedHashMap<>();
            for (Map.Entry<String, Value> entry : match.getMatch().getFieldsMap().entrySet()) {
                if (entry.getValue().getKindCase() != Value.KindCase.STRING_VALUE) {
                    throw new TranslationException(matchWhere + ": match." + entry.getKey()
                            + " is not a string (expected: string metadata values such as tlsMode: istio)");
                }
                criteria.put(entry.getKey(), entry.getValue().getStringValue());
            }
            UpstreamTlsSpec tls = match.hasTransportSocket()
                    ? upstreamSocket(match.getTransportSocket(), matchWhere + ": transport_socket")
                    : null;
            matches.add(new TransportSocketMatch(match.getName(), criteria, tls));
        }
        return defaultTls == null && matches.isEmpty() ? UpstreamTransport.PLAINTEXT
                : new UpstreamTransport(defaultTls, matches);
    }

    /** An endpoint's {@code envoy.transport_socket_match} filter metadata, as string entries. */
    public static Map<String, String> endpointMatchMetadata(io.envoyproxy.envoy.config.core.v3.Metadata metadata,
                                                            String where) throws TranslationException {
        com.google.protobuf.Struct struct = metadata.getFilterMetadataMap().get(MATCH_METADATA);
        if (struct == null) {
            return Map.of();
        }
        Map<String, String> values = new LinkedHashMap<>();
        for (Map.Entry<String, Value> entry : struct.getFieldsMap().entrySet()) {
            if (entry.getValue().getKindCase() != Value.KindCase.STRING_VALUE) {
                throw new TranslationException(where + ": metadata " + MATCH_METADATA + "." + entry.getKey()
                        + " is not a string (expected: string values such as tlsMode: istio)");
            }
            values.put(entry.getKey(), entry.getValue().getStringValue());
        }
        return values;
    }

    /** A TLS transport socket of an upstream: null for a raw buffer socket. */
    static UpstreamTlsSpec upstreamSocket(TransportSocket socket, String where) throws TranslationException {
        Messages.requireOnly(socket, where, SOCKET_FIELDS, Set.of());
        if (socket.getName().equals(RAW_BUFFER) && !socket.hasTypedConfig()) {
            return null;
        }
        if (!socket.hasTypedConfig()) {
            throw new TranslationException(where + ": " + socket.getName() + " without typed_config (expected: "
                    + TLS + " with an UpstreamTlsContext)");
        }
        UpstreamTlsContext context = Messages.unpack(socket.getTypedConfig(), UpstreamTlsContext.class, where);
        Messages.requireOnly(context, where, UPSTREAM_FIELDS, Set.of());
        Common common = common(context.getCommonTlsContext(), where + ": common_tls_context");
        return new UpstreamTlsSpec(context.getSni(), common.alpn(), common.certificateSecret(),
                common.validationSecret(), common.subjectAltNames(), common.acceptUntrusted());
    }

    /** A TLS transport socket of a filter chain: null for a raw buffer socket. */
    public static DownstreamTlsSpec downstream(TransportSocket socket, String where) throws TranslationException {
        Messages.requireOnly(socket, where, SOCKET_FIELDS, Set.of());
        if (socket.getName().equals(RAW_BUFFER) && !socket.hasTypedConfig()) {
            return null;
        }
        if (!socket.hasTypedConfig()) {
            throw new TranslationException(where + ": " + socket.getName() + " without typed_config (expected: "
                    + TLS + " with a DownstreamTlsContext)");
        }
        DownstreamTlsContext context = Messages.unpack(socket.getTypedConfig(), DownstreamTlsContext.class, where);
        Messages.requireOnly(context, where, DOWNSTREAM_FIELDS, Set.of());
        String commonWhere = where + ": common_tls_context";
        Common common = common(context.getCommonTlsContext(), commonWhere);
        if (common.certificateSecret().isEmpty()) {
            throw new TranslationException(commonWhere + ": no tls_certificate_sds_secret_configs (expected: the"
                    + " server certificate, e.g. default)");
        }
        if (common.acceptUntrusted()) {
            throw new TranslationException(commonWhere + ": trust_chain_verification ACCEPT_UNTRUSTED unsupported on"
                    + " a listener (expected: VERIFY_TRUST_CHAIN)");
        }
        boolean requireClient = context.hasRequireClientCertificate()
                && context.getRequireClientCertificate().getValue();
        return Messages.build(where, () -> new DownstreamTlsSpec(common.certificateSecret(), common.validationSecret(),
                requireClient, common.alpn(), common.subjectAltNames()));
    }

    private record Common(List<String> alpn, String certificateSecret, String validationSecret,
                          List<String> subjectAltNames, boolean acceptUntrusted) {
    }

    private static Common common(CommonTlsContext common, String where) throws TranslationException {
        Messages.requireOnly(common, where, COMMON_FIELDS, Set.of());
        if (common.getTlsCertificateSdsSecretConfigsCount() > 1) {
            throw new TranslationException(where + ": " + common.getTlsCertificateSdsSecretConfigsCount()
                    + " tls_certificate_sds_secret_configs (expected: at most one)");
        }
        String certificate = common.getTlsCertificateSdsSecretConfigsCount() == 0 ? ""
                : secretName(common.getTlsCertificateSdsSecretConfigs(0),
                where + ": tls_certificate_sds_secret_configs[0]");
        String validation = "";
        List<String> sans = List.of();
        boolean acceptUntrusted = false;
        switch (common.getValidationContextTypeCase()) {
            case VALIDATION_CONTEXT_SDS_SECRET_CONFIG -> validation = secretName(
                    common.getValidationContextSdsSecretConfig(), where + ": validation_context_sds_secret_config");
            case COMBINED_VALIDATION_CONTEXT -> {
                CommonTlsContext.CombinedCertificateValidationContext combined = common.getCombinedValidationContext();
                String combinedWhere = where + ": combined_validation_context";
                Messages.requireOnly(combined, combinedWhere, COMBINED_FIELDS, Set.of());
                if (!combined.hasValidationContextSdsSecretConfig()) {
                    throw new TranslationException(combinedWhere + ": validation_context_sds_secret_config missing"
                            + " (expected: the trusted roots, e.g. ROOTCA)");
                }
                validation = secretName(combined.getValidationContextSdsSecretConfig(),
                        combinedWhere + ": validation_context_sds_secret_config");
                CertificateValidationContext context = combined.getDefaultValidationContext();
                String contextWhere = combinedWhere + ": default_validation_context";
                Messages.requireOnly(context, contextWhere, VALIDATION_FIELDS, Set.of());
                sans = subjectAltNames(context, contextWhere);
                acceptUntrusted = switch (context.getTrustChainVerification()) {
                    case VERIFY_TRUST_CHAIN -> false;
                    case ACCEPT_UNTRUSTED -> true;
                    case UNRECOGNIZED -> throw new TranslationException(contextWhere
                            + ": trust_chain_verification unknown (expected: VERIFY_TRUST_CHAIN or ACCEPT_UNTRUSTED)");
                };
            }
            case VALIDATION_CONTEXT -> throw new TranslationException(where + ": inline validation_context"
                    + " unsupported (expected: validation_context_sds_secret_config or combined_validation_context)");
            default -> {
                if (common.getValidationContextTypeCase()
                        != CommonTlsContext.ValidationContextTypeCase.VALIDATIONCONTEXTTYPE_NOT_SET) {
                    throw new TranslationException(where + ": " + Messages.lower(common.getValidationContextTypeCase())
                            + " unsupported (expected: an SDS validation context)");
                }
            }
        }
        return new Common(List.copyOf(common.getAlpnProtocolsList()), certificate, validation, sans, acceptUntrusted);
    }

    private static List<String> subjectAltNames(CertificateValidationContext context, String where)
            throws TranslationException {
        List<String> sans = new ArrayList<>();
        for (int i = 0; i < context.getMatchSubjectAltNamesCount(); i++) {
            sans.add(exact(context.getMatchSubjectAltNames(i), where + ": match_subject_alt_names[" + i + "]"));
        }
        for (int i = 0; i < context.getMatchTypedSubjectAltNamesCount(); i++) {
            SubjectAltNameMatcher matcher = context.getMatchTypedSubjectAltNames(i);
            String matcherWhere = where + ": match_typed_subject_alt_names[" + i + "]";
            if (matcher.getSanType() != SubjectAltNameMatcher.SanType.URI
                    && matcher.getSanType() != SubjectAltNameMatcher.SanType.DNS) {
                throw new TranslationException(matcherWhere + ": san_type " + matcher.getSanType()
                        + " unsupported (expected: URI or DNS)");
            }
            sans.add(exact(matcher.getMatcher(), matcherWhere + ": matcher"));
        }
        return sans;
    }

    private static String exact(StringMatcher matcher, String where) throws TranslationException {
        if (matcher.getMatchPatternCase() != StringMatcher.MatchPatternCase.EXACT || matcher.getIgnoreCase()) {
            throw new TranslationException(where + ": " + Messages.lower(matcher.getMatchPatternCase())
                    + (matcher.getIgnoreCase() ? " with ignore_case" : "")
                    + " unsupported (expected: exact, case-sensitive)");
        }
        return matcher.getExact();
    }

    private static String secretName(SdsSecretConfig config, String where) throws TranslationException {
        Messages.requireOnly(config, where, SDS_FIELDS, Set.of());
        if (config.getName().isEmpty()) {
            throw new TranslationException(where + ": name is empty (expected: an SDS secret name such as default"
                    + " or ROOTCA)");
        }
        return config.getName();
    }
}
