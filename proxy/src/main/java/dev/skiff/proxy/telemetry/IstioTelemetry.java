package dev.skiff.proxy.telemetry;

import dev.skiff.proxy.filter.RequestContext;
import dev.skiff.proxy.filter.RequestListener;
import dev.skiff.proxy.model.Direction;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Tags;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Istio's standard metrics for one sidecar, recorded from finished requests and TCP connections, plus Istio's HTTP
 * peer metadata exchange. Outbound traffic is reported with {@code reporter="source"}, inbound traffic with
 * {@code reporter="destination"}.
 *
 * <p>On the way out the client sidecar adds its own metadata to the request ({@code x-envoy-peer-metadata},
 * {@code x-envoy-peer-metadata-id}); the server sidecar takes them off before the application sees them and, when
 * they came, adds its own to the response, which the client sidecar takes off again. Each side so knows the other's
 * workload without guessing from addresses. TCP connections learn their peer from Istio's TCP metadata exchange
 * over mutual TLS ({@code dev.skiff.proxy.peerexchange}), which puts the peer's metadata on the connection's context
 * in the same form as the header; without it their peer labels are {@code unknown}. Their principals are those of
 * the connection's mutual TLS session (downstream on the destination side, upstream on the source side).
 *
 * <p>On the destination side, a request that came over mutual TLS reports {@code connection_security_policy=
 * "mutual_tls"} and the SPIFFE identities of the session ({@code source_principal}, {@code destination_principal}).
 * On the source side, a request whose upstream connection is mutual TLS reports this proxy's identity as
 * {@code source_principal} and the server's (its certificate's URI SAN) as {@code destination_principal}; the
 * identities are read once per upstream connection ({@link ConnectionDetails}).
 *
 * <p>Label sets are resolved once and cached (per cluster or inbound host, per peer, per mutual TLS identities, per
 * protocol, per outcome); recording a request is a few map lookups on cached strings and the meter updates. Every
 * cache is bounded.
 */
public final class IstioTelemetry implements RequestListener {

    static final int MAX_PEERS = 1024;
    static final int MAX_SERVICES = 1024;
    static final int MAX_INBOUND_HOSTS = 128;
    static final int MAX_OUTCOMES = 64;

    private static final Logger log = LoggerFactory.getLogger(IstioTelemetry.class);
    private static final AsciiString PEER_HEADER = AsciiString.cached(PeerMetadataCodec.HEADER);
    private static final AsciiString PEER_ID_HEADER = AsciiString.cached(PeerMetadataCodec.ID_HEADER);
    private static final String GRPC_CONTENT_TYPE = "application/grpc";
    /** Lengths of the HTTP/2 pseudo-header names Envoy counts and HTTP/1.1 heads do not carry as headers. */
    private static final int PSEUDO_METHOD = ":method".length();
    private static final int PSEUDO_PATH = ":path".length();
    private static final int PSEUDO_STATUS = ":status".length() + 3;

    private final IstioMetrics metrics;
    private final WorkloadMetadata local;
    private final Peer localPeer;
    private final AsciiString localHeader;
    private final AsciiString localId;
    private final ConcurrentHashMap<String, Peer> peers = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, ServiceSeries> outbound = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, ServiceSeries> inbound = new ConcurrentHashMap<>();
    private final ServiceSeries unknownInbound;

    /**
     * @param metrics the registry to record into
     * @param local   this sidecar's workload
     * @param nodeId  this sidecar's node id, sent as {@code x-envoy-peer-metadata-id}
     */
    public IstioTelemetry(IstioMetrics metrics, WorkloadMetadata local, String nodeId) {
        this.metrics = metrics;
        this.local = local;
        this.localPeer = Peer.of(local);
        this.localHeader = AsciiString.cached(PeerMetadataCodec.encode(local));
        this.localId = AsciiString.cached(nodeId);
        this.unknownInbound = new ServiceSeries(DestinationService.UNKNOWN, true);
    }

    public IstioMetrics metrics() {
        return metrics;
    }

    @Override
    public void onRequestHeaders(RequestContext context, HttpHeaders headers) {
        String contentType = headers.get(HttpHeaderNames.CONTENT_TYPE);
        if (contentType != null && contentType.regionMatches(true, 0, GRPC_CONTENT_TYPE, 0,
                GRPC_CONTENT_TYPE.length())) {
            context.markGrpc();
        }
        if (context.direction() == Direction.INBOUND) {
            takePeer(context, headers);
        } else {
            headers.set(PEER_HEADER, localHeader);
            headers.set(PEER_ID_HEADER, localId);
        }
        context.addRequestHeaderBytes(headerBytes(headers) + PSEUDO_METHOD + context.method().length()
                + PSEUDO_PATH + context.path().length());
    }

    @Override
    public void onResponseHeaders(RequestContext context, HttpHeaders headers) {
        if (context.direction() == Direction.INBOUND) {
            headers.remove(PEER_HEADER);
            headers.remove(PEER_ID_HEADER);
            if (!context.peerMetadata().isEmpty()) {
                headers.set(PEER_HEADER, localHeader);
                headers.set(PEER_ID_HEADER, localId);
            }
        } else {
            takePeer(context, headers);
        }
        context.addResponseHeaderBytes(headerBytes(headers) + PSEUDO_STATUS);
    }

    /** The size Envoy gives a header map: the lengths of every name and value. */
    static long headerBytes(HttpHeaders headers) {
        long size = 0;
        Iterator<Map.Entry<CharSequence, CharSequence>> entries = headers.iteratorCharSequence();
        while (entries.hasNext()) {
            Map.Entry<CharSequence, CharSequence> entry = entries.next();
            size += entry.getKey().length() + entry.getValue().length();
        }
        return size;
    }

    private static void takePeer(RequestContext context, HttpHeaders headers) {
        String peer = headers.get(PEER_HEADER);
        if (peer != null) {
            context.peerMetadata(peer);
            headers.remove(PEER_HEADER);
        }
        headers.remove(PEER_ID_HEADER);
    }

    @Override
    public void onConnectionOpened(RequestContext context) {
        Counter opened = tcpSeries(context).opened;
        if (opened != null) {
            opened.increment();
        }
    }

    @Override
    public void onComplete(RequestContext context) {
        if (isTcp(context)) {
            TcpSeries series = tcpSeries(context);
            TcpOutcome outcome = series.outcome(context.flagBits(), context);
            if (outcome.closed != null) {
                outcome.closed.increment();
            }
            if (outcome.sent != null) {
                outcome.sent.increment(context.bytesSent());
            }
            if (outcome.received != null) {
                outcome.received.increment(context.bytesReceived());
            }
            return;
        }
        if (context.method().equals("CONNECT")) {
            return;
        }
        ServiceSeries service = service(context);
        Peer peer = peer(context.peerMetadata());
        RequestSeries series = service.requests(peer, context);
        RequestOutcome outcome = series.outcome(context);
        if (outcome.requests != null) {
            outcome.requests.increment();
        }
        if (outcome.duration != null) {
            outcome.duration.record((System.nanoTime() - context.startNanos()) / 1_000_000.0);
        }
        if (outcome.requestBytes != null) {
            outcome.requestBytes.record(context.requestHeaderBytes() + context.bytesReceived());
        }
        if (outcome.responseBytes != null) {
            outcome.responseBytes.record(context.responseHeaderBytes() + context.bytesSent());
        }
        if (outcome.requestMessages != null) {
            outcome.requestMessages.increment(context.requestMessages());
        }
        if (outcome.responseMessages != null) {
            outcome.responseMessages.increment(context.responseMessages());
        }
    }

    /** A TCP proxy connection (no HTTP request line), or a CONNECT tunnel to a TCP service. */
    private static boolean isTcp(RequestContext context) {
        return context.protocol().isEmpty() || (context.method().equals("CONNECT") && !context.cluster().isEmpty());
    }

    private TcpSeries tcpSeries(RequestContext context) {
        return service(context).peerSeries(peer(context.peerMetadata())).tcp(context);
    }

    private ServiceSeries service(RequestContext context) {
        if (context.direction() == Direction.INBOUND) {
            String authority = context.authority();
            ServiceSeries series = inbound.get(authority);
            if (series != null) {
                return series;
            }
            if (authority.isEmpty() || inbound.size() >= MAX_INBOUND_HOSTS) {
                return unknownInbound;
            }
            return inbound.computeIfAbsent(authority,
                    a -> new ServiceSeries(DestinationService.ofAuthority(a, local.namespace()), true));
        }
        String cluster = context.cluster();
        ServiceSeries series = outbound.get(cluster);
        if (series != null) {
            return series;
        }
        DestinationService resolved = DestinationService.ofCluster(cluster);
        if (outbound.size() >= MAX_SERVICES) {
            return new ServiceSeries(resolved, false);
        }
        return outbound.computeIfAbsent(cluster, c -> new ServiceSeries(resolved, false));
    }

    /** The peer a metadata header describes; {@link Peer#UNKNOWN} when none came or it cannot be read. */
    Peer peer(String header) {
        if (header.isEmpty()) {
            return Peer.UNKNOWN;
        }
        Peer peer = peers.get(header);
        if (peer != null) {
            return peer;
        }
        Peer resolved;
        try {
            resolved = Peer.of(PeerMetadataCodec.decode(header));
        } catch (IllegalArgumentException e) {
            log.debug("peer metadata ignored: {}", e.getMessage());
            resolved = Peer.UNKNOWN;
        }
        if (peers.size() < MAX_PEERS) {
            peers.putIfAbsent(header, resolved);
        }
        return resolved;
    }

    /** The series of one destination service as this sidecar reports it. */
    private final class ServiceSeries {
        private final DestinationService service;
        private final boolean destination;
        private final ConcurrentHashMap<Peer, PeerSeries> byPeer = new ConcurrentHashMap<>();

        /**
         * @param destination whether this sidecar serves the service (inbound: reporter destination) rather than
         *                    calls it (outbound: reporter source)
         */
        ServiceSeries(DestinationService service, boolean destination) {
            this.service = service;
            this.destination = destination;
        }

        PeerSeries peerSeries(Peer peer) {
            PeerSeries series = byPeer.get(peer);
            if (series != null) {
                return series;
            }
            return byPeer.size() >= MAX_PEERS
                    ? new PeerSeries(this, peer)
                    : byPeer.computeIfAbsent(peer, p -> new PeerSeries(this, p));
        }

        RequestSeries requests(Peer peer, RequestContext context) {
            PeerSeries series = peerSeries(peer);
            if (destination) {
                return series.requests(context.peerPrincipal(), context.localPrincipal(), context.grpc());
            }
            TlsPrincipals upstream = context.upstreamConnection().mutualPrincipals();
            return upstream == null ? series.requests("", "", context.grpc())
                    : series.requests(upstream.local(), upstream.peer(), context.grpc());
        }

        /**
         * Every label but the outcome (response code, gRPC status, response flags).
         *
         * @param sourcePrincipal      the client's mutual TLS identity (on the source side this proxy's own),
         *                             empty without mutual TLS
         * @param destinationPrincipal the server's mutual TLS identity (on the destination side this proxy's own),
         *                             empty without mutual TLS
         */
        Tags baseTags(Peer peer, String protocol, String sourcePrincipal, String destinationPrincipal) {
            Peer source = destination ? peer : localPeer;
            Peer target = destination ? localPeer : peer;
            return Tags.of(
                    "reporter", destination ? "destination" : "source",
                    "source_workload", source.workload,
                    "source_canonical_service", source.canonicalService,
                    "source_canonical_revision", source.canonicalRevision,
                    "source_workload_namespace", source.namespace,
                    "source_principal", orUnknown(sourcePrincipal),
                    "source_app", source.app,
                    "source_version", source.version,
                    "source_cluster", source.cluster,
                    "destination_workload", target.workload,
                    "destination_workload_namespace", target.namespace,
                    "destination_principal", orUnknown(destinationPrincipal),
                    "destination_app", target.app,
                    "destination_version", target.version,
                    "destination_service", service.host(),
                    "destination_service_name", service.name(),
                    "destination_service_namespace", service.namespace(),
                    "destination_canonical_service", target.canonicalService,
                    "destination_canonical_revision", target.canonicalRevision,
                    "destination_cluster", target.cluster,
                    "request_protocol", protocol,
                    "connection_security_policy", !destination ? WorkloadMetadata.UNKNOWN
                            : sourcePrincipal.isEmpty() ? "none" : "mutual_tls");
        }

    }

    /**
     * Adds {@code created} to a cached array that {@code known} was read from, unless the array holds
     * {@value #MAX_OUTCOMES} entries; another thread's addition in the meantime is kept.
     */
    private static <T> void append(AtomicReference<T[]> cache, T[] known, T created) {
        T[] current = known;
        while (current.length < MAX_OUTCOMES) {
            T[] grown = Arrays.copyOf(current, current.length + 1);
            grown[current.length] = created;
            if (cache.compareAndSet(current, grown)) {
                return;
            }
            current = cache.get();
        }
    }

    private static String orUnknown(String principal) {
        return principal.isEmpty() ? WorkloadMetadata.UNKNOWN : principal;
    }

    /**
     * The series of one service and peer, per mutual TLS identities (one entry without mutual TLS) and protocol; the
     * TCP series per identities and metrics policy.
     */
    private final class PeerSeries {
        private final ServiceSeries service;
        private final Peer peer;
        private final AtomicReference<Secured[]> secured = new AtomicReference<>(new Secured[0]);
        private final AtomicReference<TcpSeries[]> tcp = new AtomicReference<>(new TcpSeries[0]);

        PeerSeries(ServiceSeries service, Peer peer) {
            this.service = service;
            this.peer = peer;
        }

        RequestSeries requests(String sourcePrincipal, String destinationPrincipal, boolean grpc) {
            Secured[] known = secured.get();
            for (Secured entry : known) {
                if (entry.sourcePrincipal.equals(sourcePrincipal)
                        && entry.destinationPrincipal.equals(destinationPrincipal)) {
                    return entry.series[grpc ? 1 : 0];
                }
            }
            Secured created = new Secured(sourcePrincipal, destinationPrincipal, new RequestSeries[]{
                    new RequestSeries(service.baseTags(peer, "http", sourcePrincipal, destinationPrincipal), false),
                    new RequestSeries(service.baseTags(peer, "grpc", sourcePrincipal, destinationPrincipal), true)});
            append(secured, known, created);
            return created.series[grpc ? 1 : 0];
        }

        /**
         * The TCP series of a connection: its mutual TLS identities (the downstream session's on the destination
         * side, the upstream one's on the source side) under its chain's metrics policy (compared by identity).
         */
        TcpSeries tcp(RequestContext context) {
            TlsPrincipals mutual = service.destination ? context.downstreamConnection().mutualPrincipals()
                    : context.upstreamConnection().mutualPrincipals();
            String sourcePrincipal = mutual == null ? "" : service.destination ? mutual.peer() : mutual.local();
            String destinationPrincipal = mutual == null ? "" : service.destination ? mutual.local() : mutual.peer();
            MetricsPolicy policy = context.telemetry().metrics();
            TcpSeries[] known = tcp.get();
            for (TcpSeries series : known) {
                if (series.matches(policy, sourcePrincipal, destinationPrincipal)) {
                    return series;
                }
            }
            TcpSeries created = new TcpSeries(service.baseTags(peer, "tcp", sourcePrincipal, destinationPrincipal),
                    policy, sourcePrincipal, destinationPrincipal);
            append(tcp, known, created);
            return created;
        }
    }

    /** The http and grpc series of one pair of mutual TLS identities. */
    private record Secured(String sourcePrincipal, String destinationPrincipal, RequestSeries[] series) {
    }

    /** The request series of one reporter, service, peer and protocol; its outcomes are added as they occur. */
    private final class RequestSeries {
        private final Tags base;
        private final boolean grpc;
        private final AtomicReference<RequestOutcome[]> outcomes = new AtomicReference<>(new RequestOutcome[0]);

        RequestSeries(Tags base, boolean grpc) {
            this.base = base;
            this.grpc = grpc;
        }

        RequestOutcome outcome(RequestContext context) {
            int code = context.responseCode();
            int flags = context.flagBits();
            String grpcStatus = context.grpcStatus();
            MetricsPolicy policy = context.telemetry().metrics();
            RequestOutcome[] known = outcomes.get();
            for (RequestOutcome outcome : known) {
                if (outcome.code == code && outcome.flags == flags && outcome.policy == policy
                        && outcome.grpcStatus.equals(grpcStatus)) {
                    return outcome;
                }
            }
            RequestOutcome created = new RequestOutcome(code, flags, grpcStatus, policy, base.and(
                    "response_code", Integer.toString(code),
                    "grpc_response_status", grpcStatus,
                    "response_flags", context.flagsString()), grpc);
            append(outcomes, known, created);
            return created;
        }
    }

    /** The meters of one full label set of the request metrics. */
    private final class RequestOutcome {
        final int code;
        final int flags;
        final String grpcStatus;
        final MetricsPolicy policy;
        final Counter requests;
        final DistributionSummary duration;
        final DistributionSummary requestBytes;
        final DistributionSummary responseBytes;
        final Counter requestMessages;
        final Counter responseMessages;

        /** @param policy the listener's changes to the metrics; a dropped metric's meter is null */
        RequestOutcome(int code, int flags, String grpcStatus, MetricsPolicy policy, Tags tags, boolean grpc) {
            this.code = code;
            this.flags = flags;
            this.grpcStatus = grpcStatus;
            this.policy = policy;
            this.requests = counter(IstioMetrics.REQUESTS_TOTAL, policy, tags);
            this.duration = histogram(IstioMetrics.REQUEST_DURATION, policy, tags);
            this.requestBytes = histogram(IstioMetrics.REQUEST_BYTES, policy, tags);
            this.responseBytes = histogram(IstioMetrics.RESPONSE_BYTES, policy, tags);
            this.requestMessages = grpc ? counter(IstioMetrics.REQUEST_MESSAGES_TOTAL, policy, tags) : null;
            this.responseMessages = grpc ? counter(IstioMetrics.RESPONSE_MESSAGES_TOTAL, policy, tags) : null;
        }
    }

    /** The counter of {@code name} under {@code policy}, null when the policy drops it. */
    private Counter counter(String name, MetricsPolicy policy, Tags tags) {
        Tags applied = policy.apply(name, tags, local);
        return applied == null ? null : metrics.counter(name, applied);
    }

    /** The histogram of {@code name} under {@code policy}, null when the policy drops it. */
    private DistributionSummary histogram(String name, MetricsPolicy policy, Tags tags) {
        Tags applied = policy.apply(name, tags, local);
        return applied == null ? null : metrics.histogram(name, applied);
    }

    /**
     * The TCP series of one reporter, service, peer, pair of mutual TLS identities and metrics policy: connections
     * opened, and per response flags the rest; a meter the policy drops is null.
     */
    private final class TcpSeries {
        private final Tags base;
        private final MetricsPolicy policy;
        private final String sourcePrincipal;
        private final String destinationPrincipal;
        final Counter opened;
        private final AtomicReference<TcpOutcome[]> outcomes = new AtomicReference<>(new TcpOutcome[0]);

        TcpSeries(Tags base, MetricsPolicy policy, String sourcePrincipal, String destinationPrincipal) {
            this.base = base;
            this.policy = policy;
            this.sourcePrincipal = sourcePrincipal;
            this.destinationPrincipal = destinationPrincipal;
            this.opened = counter(IstioMetrics.TCP_CONNECTIONS_OPENED_TOTAL, policy, base.and("response_flags", "-"));
        }

        boolean matches(MetricsPolicy candidate, String source, String target) {
            return policy == candidate && sourcePrincipal.equals(source) && destinationPrincipal.equals(target);
        }

        TcpOutcome outcome(int flags, RequestContext context) {
            TcpOutcome[] known = outcomes.get();
            for (TcpOutcome outcome : known) {
                if (outcome.flags == flags) {
                    return outcome;
                }
            }
            TcpOutcome created = new TcpOutcome(flags, policy, base.and("response_flags", context.flagsString()));
            append(outcomes, known, created);
            return created;
        }
    }

    /** The meters of one TCP label set. */
    private final class TcpOutcome {
        final int flags;
        final Counter closed;
        final Counter sent;
        final Counter received;

        TcpOutcome(int flags, MetricsPolicy policy, Tags tags) {
            this.flags = flags;
            this.closed = counter(IstioMetrics.TCP_CONNECTIONS_CLOSED_TOTAL, policy, tags);
            this.sent = counter(IstioMetrics.TCP_SENT_BYTES_TOTAL, policy, tags);
            this.received = counter(IstioMetrics.TCP_RECEIVED_BYTES_TOTAL, policy, tags);
        }
    }
}
