package dev.skiff.proxy.xds;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.Code;
import com.google.rpc.Status;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.nio.NioSocketChannel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * A state-of-the-world ADS client: one {@code StreamAggregatedResources} stream that subscribes to CDS and LDS with a
 * wildcard and to EDS and RDS by the names the accepted clusters and listeners reference.
 *
 * <p>Every response goes to the {@link XdsResponseHandler}; an accepted response is ACKed with its version and nonce,
 * a rejected one is NACKed with the reason and the previously accepted version. When the stream fails the client
 * re-opens it after a jittered exponential backoff and re-sends its subscriptions with the versions it last accepted;
 * the handler keeps whatever it accepted before, so the proxy serves the last good configuration meanwhile.
 *
 * <p>All state is confined to one thread of the client's own, which is also the executor of the gRPC channel: gRPC
 * callbacks, reconnect timers and the handler all run there, one at a time, and never on a Netty event loop.
 */
public final class AdsClient implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AdsClient.class);
    private static final String RESOURCE_WRAPPER_TYPE = "type.googleapis.com/envoy.service.discovery.v3.Resource";

    private final ScheduledThreadPoolExecutor executor;
    private final ManagedChannel channel;
    private final String target;
    private final Node node;
    private final XdsResponseHandler handler;
    private final ReconnectBackoff backoff;
    private final Map<String, Subscription> subscriptions = new LinkedHashMap<>();

    private AdsStream stream;
    private volatile boolean closed;
    private volatile boolean connected;

    /**
     * Creates a client over a channel built from {@code channelBuilder}; the builder's executor and offload executor
     * (name resolution) are replaced by the client's own thread. Call {@link #start()} to open the stream.
     */
    public AdsClient(ManagedChannelBuilder<?> channelBuilder, String target, Node node, XdsResponseHandler handler,
            ReconnectBackoff backoff) {
        this.target = Objects.requireNonNull(target, "target");
        this.node = Objects.requireNonNull(node, "node");
        this.handler = Objects.requireNonNull(handler, "handler");
        this.backoff = Objects.requireNonNull(backoff, "backoff");
        this.executor = new ScheduledThreadPoolExecutor(1,
                r -> Thread.ofPlatform().name("skiff-xds").daemon().unstarted(r));
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        this.channel = channelBuilder.executor(executor).offloadExecutor(executor).build();
        for (String typeUrl : XdsTypeUrls.ALL) {
            subscriptions.put(typeUrl, new Subscription(typeUrl));
        }
    }

    /**
     * A plaintext client for the control plane at {@code host:port} whose connection is served by one of
     * {@code eventLoops} (the proxy's own), so the xDS stream adds no threads of its own besides the client thread,
     * which also resolves the address.
     */
    public static AdsClient plaintext(String host, int port, EventLoopGroup eventLoops, Node node,
            XdsResponseHandler handler, ReconnectBackoff backoff) {
        NettyChannelBuilder builder = NettyChannelBuilder.forAddress(host, port)
                .eventLoopGroup(eventLoops)
                .channelType(NioSocketChannel.class)
                .usePlaintext()
                .keepAliveTime(30, TimeUnit.SECONDS)
                .keepAliveWithoutCalls(false);
        return new AdsClient(builder, host + ":" + port, node, handler, backoff);
    }

    /** Opens the stream; returns at once. */
    public void start() {
        executor.execute(this::openStream);
    }

    /** Whether the stream is open and has delivered at least one response since it was opened. */
    public boolean isConnected() {
        return connected;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        channel.shutdownNow();
        try {
            if (!channel.awaitTermination(5, TimeUnit.SECONDS)) {
                log.warn("xDS channel to {} did not terminate within 5 s", target);
            }
            executor.shutdown();
            if (!executor.awaitTermination(5, TimeUnit.SECONDS)) {
                log.warn("xDS client thread did not finish within 5 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            executor.shutdownNow();
        }
    }

    private void openStream() {
        if (closed) {
            return;
        }
        AdsStream opened = new AdsStream();
        stream = opened;
        opened.requests = AggregatedDiscoveryServiceGrpc.newStub(channel).streamAggregatedResources(opened);
        log.debug("xDS stream to {} opened as node {}", target, node.getId());
        for (Subscription subscription : subscriptions.values()) {
            if (subscription.wildcard || !subscription.names.isEmpty()) {
                subscription.requested = true;
                opened.send(subscription.request(subscription.acceptedVersion, "", null));
            } else {
                subscription.requested = false;
            }
        }
    }

    private void onResponse(AdsStream from, DiscoveryResponse response) {
        if (from != stream || closed) {
            return;
        }
        backoff.reset();
        if (!connected) {
            connected = true;
            log.info("xDS stream to {} connected as node {}", target, node.getId());
        }
        String typeUrl = response.getTypeUrl();
        Subscription subscription = subscriptions.get(typeUrl);
        if (subscription == null || !subscription.requested) {
            log.warn("xDS response of type {} (nonce {}) ignored: not subscribed", typeUrl, response.getNonce());
            return;
        }
        from.nonces.put(typeUrl, response.getNonce());
        String type = XdsTypeUrls.shortName(typeUrl);
        String rejection;
        try {
            handler.onResponse(typeUrl, response.getVersionInfo(), unwrap(response));
            rejection = null;
        } catch (XdsRejectedException e) {
            rejection = e.getMessage();
        } catch (RuntimeException e) {
            log.error("{} version {}: failed to apply", type, response.getVersionInfo(), e);
            rejection = "internal error while applying the response: " + e;
        }
        if (rejection == null) {
            subscription.acceptedVersion = response.getVersionInfo();
            log.info("{} version {} accepted ({} resources)", type, response.getVersionInfo(),
                    response.getResourcesCount());
            from.send(subscription.request(subscription.acceptedVersion, response.getNonce(), null));
            followReferences(from);
        } else {
            log.warn("{} version {} rejected, keeping version '{}': {}", type, response.getVersionInfo(),
                    subscription.acceptedVersion, rejection);
            from.send(subscription.request(subscription.acceptedVersion, response.getNonce(), rejection));
        }
    }

    /** Updates the by-name subscriptions (EDS, RDS) to what the accepted clusters and listeners reference now. */
    private void followReferences(AdsStream on) {
        for (Subscription subscription : subscriptions.values()) {
            if (subscription.wildcard) {
                continue;
            }
            Set<String> wanted = Set.copyOf(handler.resourceNames(subscription.typeUrl));
            if (wanted.equals(subscription.names)) {
                continue;
            }
            subscription.names = wanted;
            if (!subscription.requested && wanted.isEmpty()) {
                continue;
            }
            subscription.requested = true;
            log.info("{} subscription now {}", XdsTypeUrls.shortName(subscription.typeUrl), new TreeSet<>(wanted));
            on.send(subscription.request(subscription.acceptedVersion,
                    on.nonces.getOrDefault(subscription.typeUrl, ""), null));
        }
    }

    private void onStreamEnded(AdsStream from, Throwable error) {
        if (from != stream) {
            return;
        }
        stream = null;
        connected = false;
        if (closed) {
            return;
        }
        Duration delay = backoff.nextDelay();
        if (error == null) {
            log.warn("xDS stream to {} closed by the server; reconnecting in {} ms", target, delay.toMillis());
        } else {
            log.warn("xDS stream to {} failed: {}; reconnecting in {} ms", target, describe(error), delay.toMillis());
        }
        executor.schedule(this::openStream, delay.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** A one-line description of a stream failure: the status code, its description and the root cause. */
    private static String describe(Throwable error) {
        io.grpc.Status status = io.grpc.Status.fromThrowable(error);
        StringBuilder text = new StringBuilder(status.getCode().name());
        if (status.getDescription() != null) {
            text.append(": ").append(status.getDescription());
        }
        Throwable cause = status.getCause();
        while (cause != null && cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        if (cause != null) {
            text.append(" (").append(cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage())
                    .append(')');
        }
        return text.toString();
    }

    private static List<Any> unwrap(DiscoveryResponse response) throws XdsRejectedException {
        List<Any> resources = new ArrayList<>(response.getResourcesCount());
        for (Any any : response.getResourcesList()) {
            if (RESOURCE_WRAPPER_TYPE.equals(any.getTypeUrl())) {
                try {
                    resources.add(any.unpack(Resource.class).getResource());
                } catch (InvalidProtocolBufferException e) {
                    throw new XdsRejectedException("resource wrapper: cannot be decoded: " + e.getMessage());
                }
            } else {
                resources.add(any);
            }
        }
        return resources;
    }

    /** What the client asks for of one type, across streams. Confined to the client thread. */
    private final class Subscription {
        final String typeUrl;
        final boolean wildcard;
        Set<String> names = Set.of();
        String acceptedVersion = "";
        boolean requested;

        Subscription(String typeUrl) {
            this.typeUrl = typeUrl;
            this.wildcard = XdsTypeUrls.isWildcard(typeUrl);
        }

        DiscoveryRequest request(String version, String nonce, String errorDetail) {
            DiscoveryRequest.Builder request = DiscoveryRequest.newBuilder()
                    .setTypeUrl(typeUrl)
                    .setVersionInfo(version)
                    .setResponseNonce(nonce)
                    .addAllResourceNames(new TreeSet<>(names));
            if (errorDetail != null) {
                request.setErrorDetail(Status.newBuilder()
                        .setCode(Code.INVALID_ARGUMENT_VALUE)
                        .setMessage(errorDetail));
            }
            return request.build();
        }
    }

    /** One attempt at the ADS stream; callbacks of a stream that has been replaced are ignored. */
    private final class AdsStream implements StreamObserver<DiscoveryResponse> {
        final Map<String, String> nonces = new HashMap<>();
        StreamObserver<DiscoveryRequest> requests;
        boolean nodeSent;

        void send(DiscoveryRequest request) {
            if (!nodeSent) {
                request = request.toBuilder().setNode(node).build();
                nodeSent = true;
            }
            requests.onNext(request);
        }

        @Override
        public void onNext(DiscoveryResponse response) {
            AdsClient.this.onResponse(this, response);
        }

        @Override
        public void onError(Throwable t) {
            onStreamEnded(this, t);
        }

        @Override
        public void onCompleted() {
            onStreamEnded(this, null);
        }
    }
}
