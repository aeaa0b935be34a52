package dev.skiff.proxy.transport;

import dev.skiff.proxy.authz.ConnectionAttributes;
import dev.skiff.proxy.authz.RbacRules;
import dev.skiff.proxy.authz.RbacStats;
import dev.skiff.proxy.filter.RequestContext;
import dev.skiff.proxy.filter.ResponseFlag;
import dev.skiff.proxy.filter.RouteDecision;
import dev.skiff.proxy.model.TcpProxySpec;
import dev.skiff.proxy.model.UpstreamTransport;
import dev.skiff.proxy.model.WeightedCluster;
import dev.skiff.proxy.peerexchange.PeerExchangeHandler;
import dev.skiff.proxy.telemetry.ConnectionDetails;
import dev.skiff.proxy.telemetry.FailureDetails;
import dev.skiff.proxy.telemetry.TlsPrincipals;
import dev.skiff.proxy.upstream.CircuitBreaker;
import dev.skiff.proxy.upstream.UpstreamClusters;
import dev.skiff.proxy.upstream.WeightedClusterPicker;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandler;
import java.util.ArrayDeque;

/**
 * The handler of a connection accepted by a TCP proxy chain: picks a cluster and an endpoint, connects, and turns
 * the connection into a byte tunnel. Without a usable endpoint the connection closes (flags UH, NC or UF).
 */
final class TcpProxyHandler extends ChannelInboundHandlerAdapter {

    private final Worker worker;
    private final TcpProxySpec spec;
    private final UpstreamClusters clusters;
    private final RequestContext context;
    /** Bytes that arrive before the upstream is linked (TLS can decode data in the handshake's last read). */
    private final ArrayDeque<Object> early = new ArrayDeque<>();
    private boolean linked;

    TcpProxyHandler(Worker worker, TcpProxySpec spec, UpstreamClusters clusters, RequestContext context) {
        this.worker = worker;
        this.spec = spec;
        this.clusters = clusters;
        this.context = context;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        ctx.channel().config().setAutoRead(false);
        SslHandler tls = ctx.pipeline().get(SslHandler.class);
        if ((spec.rbac().isEmpty() && !spec.metadataExchange()) || tls == null || tls.handshakeFuture().isDone()) {
            begin(ctx, tls);
            return;
        }
        ctx.channel().config().setAutoRead(true);
        tls.handshakeFuture().addListener(handshake -> {
            ctx.channel().config().setAutoRead(false);
            if (handshake.isSuccess() && ctx.channel().isActive()) {
                begin(ctx, tls);
            } else {
                Tunnels.release(early);
                ctx.close();
            }
        });
    }

    /**
     * Starts at once, or, when the chain has Istio's metadata exchange and the handshake negotiated it, once the
     * client's sidecar sent its metadata (which then names the connection's peer). Bytes TLS decoded with the
     * handshake's last read go through the exchange first.
     */
    private void begin(ChannelHandlerContext ctx, SslHandler tls) {
        if (!spec.metadataExchange() || !PeerExchangeHandler.negotiated(tls)) {
            start(ctx);
            return;
        }
        ArrayDeque<Object> decoded = new ArrayDeque<>(early);
        early.clear();
        PeerExchangeHandler exchange = new PeerExchangeHandler(worker.peerExchange(), peer -> {
            context.peerMetadata(peer);
            start(ctx);
        });
        ctx.pipeline().addBefore(ctx.name(), PeerExchangeHandler.NAME, exchange);
        ChannelHandlerContext exchangeContext = ctx.pipeline().context(PeerExchangeHandler.NAME);
        for (Object msg = decoded.poll(); msg != null; msg = decoded.poll()) {
            exchange.channelRead(exchangeContext, msg);
        }
    }

    /**
     * Checks the chain's RBAC network filters with what the connection knows (its peer's principal once the TLS
     * handshake is done, addresses, port, SNI): a denied connection is closed, as Envoy closes it; an allowed one is
     * relayed.
     */
    private void start(ChannelHandlerContext ctx) {
        ConnectionDetails.whenKnown(ctx.channel(), context::downstreamConnection);
        if (!spec.rbac().isEmpty()) {
            ConnectionAttributes attributes = ConnectionAttributes.of(ctx.channel(),
                    TlsPrincipals.of(ctx.channel()).peer()).connection();
            int decision = RbacRules.decide(spec.rbac(), attributes);
            RbacStats.global().network(spec.rbac().getFirst().statPrefix()).record(decision);
            if ((decision & RbacRules.LOG_EVALUATED) != 0) {
                context.accessLogHint((decision & RbacRules.LOGGED) != 0);
            }
            if ((decision & RbacRules.DENIED) != 0) {
                context.connectionTerminationDetails(FailureDetails.rbacDenied(spec.rbac(), attributes));
                worker.requestListener().onConnectionOpened(context);
                fail(ctx);
                return;
            }
        }
        WeightedCluster picked = WeightedClusterPicker.pick(spec.clusters(), spec.totalWeight(),
                worker.router().random());
        RouteDecision decision = worker.router().pickHost(null, picked.cluster(), clusters, context);
        if (decision instanceof RouteDecision.LocalReply reply) {
            worker.requestListener().onConnectionOpened(context);
            context.addFlag(reply.flag());
            fail(ctx);
            return;
        }
        RouteDecision.Forward forward = (RouteDecision.Forward) decision;
        CircuitBreaker breaker = forward.cluster().traffic().circuitBreaker();
        if (!breaker.tryAcquireConnection()) {
            worker.requestListener().onConnectionOpened(context);
            context.addFlag(ResponseFlag.UPSTREAM_OVERFLOW);
            fail(ctx);
            return;
        }
        ctx.channel().closeFuture().addListener(future -> breaker.releaseConnection());
        int timeout = (int) forward.cluster().spec().connectTimeout().toMillis();
        forward.host().requestStarted();
        ctx.channel().closeFuture().addListener(future -> forward.host().requestFinished());
        UpstreamTransport transport = forward.cluster().spec().transport();
        Tunnels.connect(worker, forward.host(), transport.tlsFor(forward.host().endpoint()),
                transport.metadataExchange(), timeout,
                upstream -> {
                    Tunnels.opened(worker, context, upstream);
                    if (!ctx.channel().isActive()) {
                        context.addFlag(ResponseFlag.DOWNSTREAM_CONNECTION_TERMINATION);
                        upstream.close();
                        worker.requestListener().onComplete(context);
                        return;
                    }
                    linked = true;
                    Tunnels.link(ctx.channel(), this, upstream,
                            new TunnelCompletion(context, worker.requestListener()));
                    Tunnels.replay(ctx.pipeline(), early);
                },
                cause -> {
                    worker.requestListener().onConnectionOpened(context);
                    context.upstreamTransportFailureReason(FailureDetails.transportFailureReason(cause));
                    context.addFlag(ResponseFlag.UPSTREAM_CONNECTION_FAILURE);
                    fail(ctx);
                });
    }

    private void fail(ChannelHandlerContext ctx) {
        Tunnels.release(early);
        ctx.close();
        worker.requestListener().onComplete(context);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        early.add(msg);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (!linked) {
            Tunnels.release(early);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
