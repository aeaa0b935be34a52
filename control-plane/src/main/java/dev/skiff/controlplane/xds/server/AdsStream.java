package dev.skiff.controlplane.xds.server;

import com.google.protobuf.MessageLite;
import com.google.protobuf.Value;
import dev.skiff.controlplane.telemetry.StreamMetrics;
import dev.skiff.controlplane.telemetry.XdsType;
import dev.skiff.controlplane.xds.ProxyView;
import dev.skiff.controlplane.xds.TypeUrls;
import dev.skiff.controlplane.xds.XdsResource;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One ADS stream. gRPC callbacks, pushes and cancellation only enqueue work on the stream's {@link SerialExecutor};
 * all state below is touched from there alone, one task at a time.
 *
 * @param <Q> request message type
 * @param <R> response message type
 */
abstract class AdsStream<Q, R extends MessageLite> implements StreamObserver<Q> {
    static final Logger log = LoggerFactory.getLogger(AdsService.class);
    /** The node metadata field that carries the proxy's Istio version. */
    private static final String META_ISTIO_VERSION = "ISTIO_VERSION";

    final AdsService service;
    private final ServerCallStreamObserver<R> responses;
    private final SerialExecutor serial;
    private final StreamMetrics metrics;
    private final AtomicBoolean pushPending = new AtomicBoolean();
    private final Set<String> unknownTypesLogged = new HashSet<>();
    private boolean closed;
    /** A push arrived while the client was not reading; it runs when the transport is ready again. */
    private boolean pushDeferred;
    private long nonceSequence;
    ProxyView proxy;
    ConnectedProxies.Connection connection;

    AdsStream(AdsService service, StreamObserver<R> responseObserver) {
        this.service = service;
        this.responses = (ServerCallStreamObserver<R>) responseObserver;
        this.serial = new SerialExecutor(service.executor());
        this.metrics = service.metrics().newStream();
        responses.setOnCancelHandler(() -> serial.execute(() -> close(null)));
        responses.setOnReadyHandler(() -> serial.execute(this::resumeDeferredPush));
    }

    abstract ProxyStatus.Protocol protocol();

    abstract boolean hasNode(Q request);

    abstract Node node(Q request);

    /** Handles a request of a known type from an identified proxy. */
    abstract void onRequest(Q request);

    /** Recomputes every subscribed type in push order and sends what changed. */
    abstract void push();

    @Override
    public final void onNext(Q request) {
        serial.execute(() -> handle(request));
    }

    @Override
    public final void onError(Throwable t) {
        serial.execute(() -> close(null));
    }

    @Override
    public final void onCompleted() {
        serial.execute(() -> close(Status.OK));
    }

    final void schedulePush() {
        if (pushPending.compareAndSet(false, true)) {
            metrics.pushQueued();
            serial.execute(this::runPush);
        }
    }

    /**
     * Pushes now, unless the client is not reading what was already sent: then the push waits for the transport
     * to become ready, so a stalled client costs one deferred push instead of a growing backlog of full states.
     */
    private void runPush() {
        metrics.pushDequeued();
        pushPending.set(false);
        if (closed || connection == null) {
            metrics.pushDropped();
            return;
        }
        if (!responses.isReady()) {
            pushDeferred = true;
            return;
        }
        pushDeferred = false;
        pushNow();
    }

    private void resumeDeferredPush() {
        if (pushDeferred && !closed && responses.isReady()) {
            pushDeferred = false;
            pushNow();
        }
    }

    private void pushNow() {
        metrics.pushStarted();
        try {
            push();
        } finally {
            metrics.pushFinished();
        }
    }

    private void handle(Q request) {
        if (closed) {
            return;
        }
        if (connection == null) {
            if (!hasNode(request)) {
                close(Status.INVALID_ARGUMENT.withDescription(
                        "the first request on an ADS stream carries no node (expected node.id and node.metadata)"));
                return;
            }
            try {
                proxy = ProxyViews.fromNode(node(request));
            } catch (StatusRuntimeException e) {
                log.warn("rejecting xDS stream: {}", e.getStatus().getDescription());
                close(e.getStatus());
                return;
            }
            connection = service.proxies().register(proxy, protocol(), service.clock().instant());
            metrics.connected(proxy.id(), proxyVersion(node(request)));
            log.info("xDS stream {} connected ({}, {}, namespace {})", connection.id(), proxy.kind(), protocol(),
                    proxy.namespace());
        }
        onRequest(request);
    }

    /** Whether {@code typeUrl} is served; logs an unknown type once per stream. */
    final boolean served(String typeUrl) {
        if (TypeUrls.PUSH_ORDER.contains(typeUrl)) {
            return true;
        }
        if (unknownTypesLogged.add(typeUrl)) {
            log.warn("xDS stream {} asked for type '{}', which this server does not serve (expected one of {})",
                    connection.id(), typeUrl, TypeUrls.PUSH_ORDER);
        }
        return false;
    }

    /**
     * The resources a subscription covers right now, by name in provider order, or {@code null} if the provider
     * failed (logged; nothing should be sent then).
     */
    final Map<String, XdsResource> resolve(String typeUrl, Subscription subscription) {
        Map<String, XdsResource> resolved = new LinkedHashMap<>();
        try {
            if (subscription.wildcard()) {
                addAll(resolved, typeUrl, service.provider().resources(proxy, typeUrl, Set.of()), null);
            }
            if (!subscription.names().isEmpty()) {
                Set<String> named = subscription.names();
                if (!resolved.isEmpty()) {
                    Set<String> missing = new HashSet<>(named);
                    missing.removeAll(resolved.keySet());
                    named = Set.copyOf(missing);
                }
                if (!named.isEmpty()) {
                    addAll(resolved, typeUrl, service.provider().resources(proxy, typeUrl, named), named);
                }
            }
        } catch (RuntimeException e) {
            metrics.internalError();
            log.error("generating {} for xDS stream {} failed; nothing sent for that type", shortName(typeUrl),
                    connection.id(), e);
            return null;
        }
        return resolved;
    }

    private void addAll(Map<String, XdsResource> into, String typeUrl, Collection<XdsResource> resources,
                        Set<String> onlyNames) {
        for (XdsResource resource : resources) {
            if (onlyNames != null && !onlyNames.contains(resource.name())) {
                continue;
            }
            if (into.putIfAbsent(resource.name(), resource) != null) {
                log.warn("provider returned {} '{}' twice for xDS stream {}; keeping the first",
                        shortName(typeUrl), resource.name(), connection.id());
            }
        }
    }

    final String nextNonce() {
        nonceSequence++;
        return Long.toString(nonceSequence);
    }

    /** The current time for {@link #send}'s {@code startedAt}, taken before computing a response. */
    final long now() {
        return metrics.now();
    }

    /**
     * Sends a response; false if the stream is gone.
     *
     * @param startedAt when computing the response started ({@link #now()})
     */
    final boolean send(R response, String typeUrl, long startedAt) {
        if (closed) {
            return false;
        }
        XdsType type = XdsType.ofTypeUrl(typeUrl);
        int bytes = response.getSerializedSize();
        long sendStartedAt = metrics.now();
        try {
            responses.onNext(response);
        } catch (RuntimeException e) {
            metrics.sendFailed(type);
            log.debug("xDS stream {} could not send: {}", connection.id(), e.toString());
            close(null);
            return false;
        }
        metrics.sent(type, startedAt, sendStartedAt, bytes);
        return true;
    }

    /**
     * @param grpcCode the request's {@code error_detail.code}
     */
    final void recordNack(String typeUrl, Nack nack, int grpcCode) {
        log.warn("xDS stream {} NACKed {} version {} (nonce {}): {}", connection.id(), shortName(typeUrl),
                nack.version(), nack.nonce(), nack.message());
        connection.update(connection.type(typeUrl).withNack(nack));
        metrics.nacked(XdsType.ofTypeUrl(typeUrl), grpcCode);
    }

    /** A request of a served type answered a nonce other than the latest one sent for that type. */
    final void recordExpiredNonce(String typeUrl) {
        metrics.expiredNonce(XdsType.ofTypeUrl(typeUrl));
    }

    final void recordAck(String typeUrl, String version, String nonce) {
        metrics.acked(XdsType.ofTypeUrl(typeUrl));
        TypeStatus status = connection.type(typeUrl);
        log.debug("xDS stream {} ACKed {} version {} (nonce {})", connection.id(), shortName(typeUrl), version, nonce);
        if (!version.equals(status.ackedVersion())) {
            connection.update(status.withAck(version));
        }
    }

    /**
     * Ends the stream once: unregisters it and, unless the client went away, finishes the call with
     * {@code status}.
     */
    private void close(Status status) {
        if (closed) {
            return;
        }
        closed = true;
        service.streamClosed(this);
        metrics.closed();
        if (connection != null) {
            service.proxies().remove(connection);
            log.info("xDS stream {} disconnected", connection.id());
        }
        if (status == null) {
            return;
        }
        try {
            if (status.isOk()) {
                responses.onCompleted();
            } else {
                responses.onError(status.asRuntimeException());
            }
        } catch (RuntimeException e) {
            log.debug("finishing xDS stream failed: {}", e.toString());
        }
    }

    /** The node's {@code ISTIO_VERSION} metadata, else its user agent version, else {@code unknown}. */
    private static String proxyVersion(Node node) {
        Value version = node.getMetadata().getFieldsMap().get(META_ISTIO_VERSION);
        if (version != null && version.hasStringValue() && !version.getStringValue().isEmpty()) {
            return version.getStringValue();
        }
        if (!node.getUserAgentVersion().isEmpty()) {
            return node.getUserAgentVersion();
        }
        return "unknown";
    }

    static String shortName(String typeUrl) {
        return switch (typeUrl) {
            case TypeUrls.CLUSTER -> "CDS";
            case TypeUrls.ENDPOINT -> "EDS";
            case TypeUrls.LISTENER -> "LDS";
            case TypeUrls.ROUTE -> "RDS";
            default -> typeUrl;
        };
    }
}
