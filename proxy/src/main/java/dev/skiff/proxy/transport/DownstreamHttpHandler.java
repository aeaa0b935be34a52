package dev.skiff.proxy.transport;

import dev.skiff.proxy.authn.JwtAuthnFilter;
import dev.skiff.proxy.authz.ConnectionAttributes;
import dev.skiff.proxy.fallback.FallbackPolicy;
import dev.skiff.proxy.authz.RbacRules;
import dev.skiff.proxy.authz.RbacStats;
import dev.skiff.proxy.filter.HttpFilterChain;
import dev.skiff.proxy.filter.RequestContext;
import dev.skiff.proxy.filter.ResponseFlag;
import dev.skiff.proxy.filter.RouteDecision;
import dev.skiff.proxy.model.FilterChainSpec;
import dev.skiff.proxy.model.HttpConnectionManagerSpec;
import dev.skiff.proxy.model.RouteTable;
import dev.skiff.proxy.model.ListenerSpec;
import dev.skiff.proxy.model.TcpProxySpec;
import dev.skiff.proxy.model.UpstreamTransport;
import dev.skiff.proxy.model.WeightedCluster;
import dev.skiff.proxy.route.LocalResponses;
import dev.skiff.proxy.sni.SniInspector;
import dev.skiff.proxy.telemetry.ConnectionDetails;
import dev.skiff.proxy.telemetry.TlsPrincipals;
import dev.skiff.proxy.upstream.UpstreamStream;
import dev.skiff.proxy.upstream.WeightedClusterPicker;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.EventExecutor;

import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The downstream side of an HTTP/1.1 connection or of one HTTP/2 stream (behind the frame to HTTP object codec):
 * takes requests (proxy, origin and authority form), routes them through the connection manager of the chain for
 * their destination port and streams each through an {@link HttpExchange}. Requests on one HTTP/1.1 connection are
 * served in order; pipelined ones wait their turn.
 */
final class DownstreamHttpHandler extends ChannelDuplexHandler implements DownstreamStream {

    static final String CODEC_NAME = "http-codec";
    static final String HANDLER_NAME = "http";

    private static final int PAUSE_BACKPRESSURE = 1;
    private static final int PAUSE_PIPELINING = 2;

    private final ConnectionContext connection;
    private final boolean http2;
    private ChannelHandlerContext ctx;
    private HttpExchange exchange;
    private ArrayDeque<Object> queued;
    private int pauseReasons;
    private boolean inRequest;
    private boolean requestBodiless;
    private boolean responding;
    private boolean keepAlive;
    private boolean http10;
    private boolean expectContinue;
    private boolean closing;
    private boolean tunnelled;
    /**
     * Set while a CONNECT to a TCP service waits for its upstream: the bytes the client sent behind the CONNECT,
     * which the tunnel sends first once it opens.
     */
    private ArrayDeque<Object> tunnelEarly;
    private ConnectionAttributes rbacAttributes;
    private RbacStats.Counters rbacCounters;
    private boolean awaitingKeys;

    /**
     * @param connection what the downstream connection captured
     * @param http2      whether this handler serves one HTTP/2 stream rather than an HTTP/1.1 connection
     */
    DownstreamHttpHandler(ConnectionContext connection, boolean http2) {
        this.connection = connection;
        this.http2 = http2;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (tunnelEarly != null && msg instanceof ByteBuf) {
            tunnelEarly.add(msg);
            return;
        }
        if (closing || tunnelled || tunnelEarly != null) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (awaitingKeys || (queued != null && !queued.isEmpty()) || (responding && msg instanceof HttpRequest)) {
            queue(msg);
            return;
        }
        dispatch(msg);
    }

    private void dispatch(Object msg) {
        if (msg instanceof FullHttpRequest full) {
            onRequest(new DefaultHttpRequest(full.protocolVersion(), full.method(), full.uri(), full.headers()));
            onContent(new DefaultLastHttpContent(full.content(), full.trailingHeaders()));
            return;
        }
        if (msg instanceof HttpRequest request) {
            onRequest(request);
        }
        if (msg instanceof HttpContent content) {
            onContent(content);
        } else if (!(msg instanceof HttpRequest)) {
            ReferenceCountUtil.release(msg);
        }
    }

    private void onContent(HttpContent content) {
        if (awaitingKeys) {
            queue(content);
            return;
        }
        boolean last = content instanceof LastHttpContent;
        if (exchange != null && inRequest) {
            exchange.onRequestContent(content);
        } else {
            content.release();
        }
        if (last && inRequest) {
            inRequest = false;
            slotMaybeDone();
        }
    }

    private void onRequest(HttpRequest request) {
        inRequest = true;
        requestBodiless = !HttpUtil.isTransferEncodingChunked(request) && HttpUtil.getContentLength(request, 0L) == 0;
        responding = true;
        http10 = request.protocolVersion().equals(HttpVersion.HTTP_1_0);
        expectContinue = HttpUtil.is100ContinueExpected(request);
        keepAlive = HttpUtil.isKeepAlive(request) && !connection.binding().isDraining();
        Http1RequestView view = Http1RequestView.of(request);
        RequestContext context = new RequestContext(connection.listener().spec().name(),
                connection.listener().spec().direction(), System.nanoTime())
                .request(request.method().name(), view.authority(), view.path(),
                        http2 ? "HTTP/2" : request.protocolVersion().text());
        if (ctx.channel().remoteAddress() instanceof InetSocketAddress remote) {
            context.downstreamRemoteAddress(remote);
        }
        TlsPrincipals principals = TlsPrincipals.of(ctx.channel());
        if (principals.mutual()) {
            context.principals(principals.peer(), principals.local());
        }
        context.downstreamConnection(ConnectionDetails.of(ctx.channel()));
        if (request.decoderResult().isFailure()) {
            keepAlive = false;
            localReply(context, 400, "bad request: " + request.decoderResult().cause().getMessage());
            return;
        }
        boolean connect = request.method().equals(HttpMethod.CONNECT);
        if (connect && connection.fixedChain() == null) {
            onConnect(view, context);
            return;
        }
        FilterChainSpec chain = connection.fixedChain();
        if (chain == null) {
            int port = Http1RequestView.port(view.authority(), 80);
            chain = port < 0 ? null : connection.listener().chains().httpChain(port);
        }
        if (chain == null || !(chain.action() instanceof HttpConnectionManagerSpec hcm)) {
            context.addFlag(ResponseFlag.NO_ROUTE_FOUND);
            localReply(context, 404, "");
            return;
        }
        context.telemetry(hcm.telemetry());
        Map<String, Object> jwt = null;
        if (hcm.jwtAuthn() != null) {
            JwtAuthnFilter.Outcome outcome = JwtAuthnFilter.authenticate(hcm.jwtAuthn(), request,
                    System.currentTimeMillis() / 1000);
            if (outcome instanceof JwtAuthnFilter.Pending pending) {
                awaitKeys(pending.ready(), request);
                return;
            }
            if (outcome instanceof JwtAuthnFilter.Rejected rejected) {
                if (expectContinue) {
                    keepAlive = false;
                }
                context.responseCode(401);
                sendFullResponse(rejected.response(view.authority(), view.path(), ctx.alloc()),
                        request.method().equals(HttpMethod.HEAD));
                connection.worker().requestListener().onComplete(context);
                return;
            }
            jwt = ((JwtAuthnFilter.Passed) outcome).metadata();
        }
        if (!hcm.rbac().isEmpty() && !authorized(hcm, view, jwt, context)) {
            localReply(context, 403, "RBAC: access denied");
            return;
        }
        if (connect) {
            context.addFlag(ResponseFlag.NO_ROUTE_FOUND);
            localReply(context, 404, "");
            return;
        }
        RuntimeState live = connection.live().get();
        RouteTable table = hcm.inlineRoutes() != null
                ? hcm.inlineRoutes()
                : live.snapshot().routeTable(hcm.routeTableName());
        Worker worker = connection.worker();
        RouteDecision decision = worker.router().route(table, view.authority(), view, live.clusters(), context);
        if (decision instanceof RouteDecision.LocalReply reply) {
            context.addFlag(reply.flag());
            FullHttpResponse fallback = FallbackPolicy.replacing(table, view.authority(), view, context);
            if (fallback != null) {
                context.responseCode(fallback.status().code());
                sendFullResponse(fallback, HttpMethod.HEAD.equals(request.method()));
                worker.requestListener().onComplete(context);
                return;
            }
            localReply(context, reply.status(), reply.body());
            return;
        }
        if (decision instanceof RouteDecision.Respond respond) {
            respondLocally(request, view, context, respond);
            return;
        }
        forward(request, view, context, (RouteDecision.Forward) decision);
    }

    /** A route the proxy answers itself (redirect, direct response): no upstream, no filters. */
    private void respondLocally(HttpRequest request, Http1RequestView view, RequestContext context,
                                RouteDecision.Respond respond) {
        if (expectContinue) {
            keepAlive = false;
        }
        FullHttpResponse response = LocalResponses.build(respond.response(), respond.route().match().path(), view,
                ctx.alloc());
        int status = response.status().code();
        context.responseCode(status);
        context.addBytesSent(response.content().readableBytes());
        sendFullResponse(response, request.method().equals(HttpMethod.HEAD) || status == 204 || status == 304);
        connection.worker().requestListener().onComplete(context);
    }

    private void forward(HttpRequest request, Http1RequestView view, RequestContext context,
                         RouteDecision.Forward decision) {
        if (expectContinue) {
            expectContinue = false;
            request.headers().remove(HttpHeaderNames.EXPECT);
            if (!http2) {
                ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE,
                        Unpooled.EMPTY_BUFFER), ctx.voidPromise());
            }
        }
        boolean upstreamHttp2 = switch (decision.cluster().spec().protocol()) {
            case HTTP1 -> false;
            case HTTP2 -> true;
            case USE_DOWNSTREAM -> http2;
        };
        boolean upgrade = !http2 && !upstreamHttp2 && ProxyHeaders.isUpgrade(request.headers());
        Worker worker = connection.worker();
        context.requestId(ProxyHeaders.prepareRequest(request.headers(), view.authority(), upgrade, upstreamHttp2,
                worker.router().random()));
        worker.requestListener().onRequestHeaders(context, request.headers());
        boolean head = request.method().equals(HttpMethod.HEAD);
        request.setUri(view.path());
        request.setProtocolVersion(HttpVersion.HTTP_1_1);
        exchange = new HttpExchange(this, context, worker.requestListener(), request, HttpFilterChain.standard(),
                decision.route(), worker.router(), decision.host(), head, upgrade);
        exchange.admitThrough(decision.cluster());
        exchange.destination(decision.destination());
        if (!decision.route().action().mirrors().isEmpty()) {
            exchange.mirrorThrough(connection.live().get().clusters());
        }
        int timeout = (int) Math.min(Integer.MAX_VALUE, decision.cluster().spec().connectTimeout().toMillis());
        exchange.start(worker.pools(), upstreamHttp2, timeout,
                decision.cluster().spec().transport().tlsFor(decision.host().endpoint()));
    }

    private void onConnect(Http1RequestView view, RequestContext context) {
        String authority = view.authority();
        int port = Http1RequestView.port(authority, -1);
        if (port <= 0 || http2) {
            context.addFlag(ResponseFlag.NO_ROUTE_FOUND);
            localReply(context, port <= 0 ? 400 : 404, port <= 0
                    ? "CONNECT target '" + authority + "' (expected: host:port)" : "");
            return;
        }
        ChainIndex chains = connection.listener().chains();
        if (chains.matchesServerNames(port)) {
            connectByServerName(chains, port, context);
            return;
        }
        String cluster = "outbound|" + port + "||" + Http1RequestView.host(authority);
        FilterChainSpec tcp = chains.tcpChain(port, cluster);
        if (tcp != null) {
            connectTcp((TcpProxySpec) tcp.action(), context);
            return;
        }
        FilterChainSpec http = chains.httpChain(port);
        if (http == null) {
            context.addFlag(ResponseFlag.NO_ROUTE_FOUND);
            localReply(context, 404, "");
            return;
        }
        keepAlive = false;
        tunnelled = true;
        context.responseCode(200);
        ctx.writeAndFlush(connectEstablished(), ctx.voidPromise());
        releaseQueued();
        ChannelPipeline pipeline = ctx.pipeline();
        pipeline.replace(this, ProtocolDetector.NAME, new ProtocolDetector(connection.withChain(http)));
        pipeline.remove(CODEC_NAME);
        ctx.channel().config().setAutoRead(true);
        connection.worker().requestListener().onComplete(context);
    }

    /**
     * A CONNECT to a port whose chains match server names (TLS passthrough): the tunnel opens at once and the
     * ClientHello that comes through it picks the TCP chain, which relays it and everything after it untouched.
     */
    private void connectByServerName(ChainIndex chains, int port, RequestContext context) {
        keepAlive = false;
        tunnelled = true;
        context.responseCode(200);
        ctx.writeAndFlush(connectEstablished(), ctx.voidPromise());
        releaseQueued();
        Worker worker = connection.worker();
        ListenerSpec listener = connection.listener().spec();
        ChannelPipeline pipeline = ctx.pipeline();
        pipeline.replace(this, SniInspector.NAME, new SniInspector(SniInspector.DEFAULT_TIMEOUT,
                (inspector, transport, serverName) -> {
                    FilterChainSpec chain = chains.forServerName(port, transport, serverName);
                    if (chain == null || chain.tls() != null || !(chain.action() instanceof TcpProxySpec tcp)) {
                        return false;
                    }
                    RequestContext tunnel = new RequestContext(listener.name(), listener.direction(),
                            System.nanoTime()).telemetry(tcp.telemetry());
                    inspector.pipeline().addAfter(inspector.name(), null,
                            new TcpProxyHandler(worker, tcp, connection.live().get().clusters(), tunnel));
                    inspector.fireChannelActive();
                    return true;
                }));
        pipeline.remove(CODEC_NAME);
        ctx.channel().config().setAutoRead(true);
        worker.requestListener().onComplete(context);
    }

    private void connectTcp(TcpProxySpec spec, RequestContext context) {
        context.telemetry(spec.telemetry());
        Worker worker = connection.worker();
        WeightedCluster picked = WeightedClusterPicker.pick(spec.clusters(), spec.totalWeight(),
                worker.router().random());
        RouteDecision decision = worker.router().pickHost(null, picked.cluster(),
                connection.live().get().clusters(), context);
        if (decision instanceof RouteDecision.LocalReply reply) {
            worker.requestListener().onConnectionOpened(context);
            context.addFlag(reply.flag());
            localReply(context, reply.status(), reply.body());
            return;
        }
        RouteDecision.Forward forward = (RouteDecision.Forward) decision;
        forward.host().requestStarted();
        Channel downstream = ctx.channel();
        downstream.config().setAutoRead(false);
        // From here on the client's bytes are the tunnel's: the decoder leaves, handing over what it holds.
        tunnelEarly = new ArrayDeque<>(2);
        ((HttpServerCodec) ctx.pipeline().get(CODEC_NAME)).removeInboundHandler();
        int timeout = (int) Math.min(Integer.MAX_VALUE, forward.cluster().spec().connectTimeout().toMillis());
        UpstreamTransport transport = forward.cluster().spec().transport();
        Tunnels.connect(worker, forward.host(), transport.tlsFor(forward.host().endpoint()),
                transport.metadataExchange(), timeout, upstream -> {
            Tunnels.opened(worker, context, upstream);
            ArrayDeque<Object> early = tunnelEarly;
            tunnelEarly = null;
            if (!downstream.isActive()) {
                Tunnels.release(early);
                forward.host().requestFinished();
                context.addFlag(ResponseFlag.DOWNSTREAM_CONNECTION_TERMINATION);
                upstream.close();
                worker.requestListener().onComplete(context);
                return;
            }
            upstream.closeFuture().addListener(future -> forward.host().requestFinished());
            tunnelled = true;
            context.responseCode(200);
            ctx.writeAndFlush(connectEstablished(), ctx.voidPromise());
            releaseQueued();
            Tunnels.link(downstream, this, upstream, new TunnelCompletion(context, worker.requestListener()));
            ctx.pipeline().remove(CODEC_NAME);
            Tunnels.replay(downstream.pipeline(), early);
        }, cause -> {
            worker.requestListener().onConnectionOpened(context);
            Tunnels.release(tunnelEarly);
            tunnelEarly = null;
            forward.host().requestFinished();
            context.addFlag(ResponseFlag.UPSTREAM_CONNECTION_FAILURE);
            keepAlive = false;
            localReply(context, 503, HttpExchange.CONNECT_FAILURE_BODY);
            downstream.config().setAutoRead(true);
        });
    }

    private static FullHttpResponse connectEstablished() {
        return new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, Unpooled.EMPTY_BUFFER);
    }

    private void queue(Object msg) {
        if (queued == null) {
            queued = new ArrayDeque<>();
        }
        queued.add(msg);
        pause(PAUSE_PIPELINING);
    }

    /**
     * The request needs JWT keys that are being fetched: reading stops and what arrives is queued; once the keys are
     * there (or their fetch failed) the request starts over on this event loop and its queued body follows.
     */
    private void awaitKeys(CompletableFuture<Void> ready, HttpRequest request) {
        awaitingKeys = true;
        ready.whenComplete((ignored, error) -> ctx.executor().execute(() -> {
            awaitingKeys = false;
            if (closing || !ctx.channel().isActive()) {
                releaseQueued();
                return;
            }
            onRequest(request);
            while (queued != null && !queued.isEmpty() && !awaitingKeys && !(queued.peek() instanceof HttpRequest)) {
                dispatch(queued.poll());
            }
            if (exchange != null) {
                exchange.onDownstreamReadComplete();
            }
            if (queued == null || queued.isEmpty()) {
                resume(PAUSE_PIPELINING);
            }
        }));
    }

    /**
     * Runs the connection manager's RBAC filters on the request; records what a LOG filter decided (Envoy's
     * {@code access_log_hint}) in the context and counts the outcome for the listener.
     */
    private boolean authorized(HttpConnectionManagerSpec hcm, Http1RequestView view, Map<String, Object> jwt,
                               RequestContext context) {
        int decision = RbacRules.decide(hcm.rbac(), rbacAttributes().request(view, JwtAuthnFilter.NAME, jwt));
        if ((decision & RbacRules.LOG_EVALUATED) != 0) {
            context.accessLogHint((decision & RbacRules.LOGGED) != 0);
        }
        if (rbacCounters == null) {
            rbacCounters = RbacStats.global().listener(connection.listener().spec().name());
        }
        rbacCounters.record(decision);
        return (decision & RbacRules.DENIED) == 0;
    }

    /** The RBAC attributes of this handler's connection, made on the first request that needs them. */
    private ConnectionAttributes rbacAttributes() {
        if (rbacAttributes == null) {
            rbacAttributes = ConnectionAttributes.of(ctx.channel(), TlsPrincipals.of(ctx.channel()).peer());
        }
        return rbacAttributes;
    }

    private void localReply(RequestContext context, int status, String body) {
        sendLocalReply(status, body);
        context.responseCode(status);
        connection.worker().requestListener().onComplete(context);
    }

    @Override
    public void sendLocalReply(int status, String body) {
        closeIfBodyStillArriving();
        ByteBuf content = body.isEmpty() ? Unpooled.EMPTY_BUFFER
                : ByteBufUtil.writeUtf8(ctx.alloc(), body);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.valueOf(status), content);
        if (!body.isEmpty()) {
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.TEXT_PLAIN);
        }
        HttpUtil.setContentLength(response, content.readableBytes());
        applyKeepAlive(response);
        writeLast(response);
    }

    @Override
    public void sendFullResponse(FullHttpResponse response, boolean bodiless) {
        if (!bodiless && !HttpUtil.isContentLengthSet(response) && !HttpUtil.isTransferEncodingChunked(response)) {
            HttpUtil.setContentLength(response, response.content().readableBytes());
        }
        response.setProtocolVersion(HttpVersion.HTTP_1_1);
        closeIfBodyStillArriving();
        applyKeepAlive(response);
        writeLast(response);
    }

    /**
     * An exchange answered before its request body has all arrived (or while it is held back behind
     * {@code Expect: 100-continue}) ends an HTTP/1.1 connection (see {@link #exchangeFinished}), and the answer says
     * so with {@code Connection: close}. Answers made before any exchange started (no route, say) discard the rest
     * of the body instead and keep the connection.
     */
    private void closeIfBodyStillArriving() {
        if (inRequest && (expectContinue || (exchange != null && !http2 && !requestBodiless))) {
            keepAlive = false;
        }
    }

    @Override
    public void sendResponseHead(HttpResponse head, boolean bodiless) {
        if (head.status().code() != 101 && !bodiless && !HttpUtil.isContentLengthSet(head)) {
            if (http10) {
                keepAlive = false;
                HttpUtil.setTransferEncodingChunked(head, false);
            } else if (!HttpUtil.isTransferEncodingChunked(head)) {
                HttpUtil.setTransferEncodingChunked(head, true);
            }
        }
        head.setProtocolVersion(HttpVersion.HTTP_1_1);
        if (head.status().code() != 101) {
            applyKeepAlive(head);
        }
        ctx.write(head, ctx.voidPromise());
    }

    /** Says whether the connection stays open; an HTTP/1.0 client needs an explicit keep-alive. */
    private void applyKeepAlive(HttpResponse response) {
        HttpUtil.setKeepAlive(response, keepAlive);
        if (keepAlive && http10) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
    }

    @Override
    public void sendResponseContent(HttpContent content) {
        if (content instanceof LastHttpContent) {
            writeLast(content);
        } else {
            ctx.write(content, ctx.voidPromise());
        }
    }

    @Override
    public void flush() {
        ctx.flush();
    }

    private void writeLast(Object last) {
        if (!keepAlive) {
            closing = true;
            ctx.writeAndFlush(last).addListener(ChannelFutureListener.CLOSE);
        } else {
            ctx.writeAndFlush(last, ctx.voidPromise());
        }
        responding = false;
        slotMaybeDone();
    }

    @Override
    public void abort() {
        closing = true;
        ctx.close();
    }

    @Override
    public boolean isWritable() {
        return ctx.channel().isWritable();
    }

    @Override
    public EventExecutor executor() {
        return ctx.executor();
    }

    @Override
    public void pauseRequestBody() {
        pause(PAUSE_BACKPRESSURE);
    }

    @Override
    public void resumeRequestBody() {
        resume(PAUSE_BACKPRESSURE);
    }

    @Override
    public void exchangeFinished(boolean requestComplete) {
        resume(PAUSE_BACKPRESSURE);
        // An HTTP/1.1 request without a body (a local answer before its end was read) has only its empty end left,
        // which onContent drops; the connection stays reusable, as Envoy keeps one whose request ended with its
        // headers. A request with a body still arriving closes the connection.
        if (!requestComplete && !closing && !(requestBodiless && !http2)) {
            closing = true;
            if (http2) {
                ctx.close();
            } else {
                ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            }
        }
    }

    @Override
    public void switchToTunnel(UpstreamStream upstream, TunnelCompletion completion) {
        tunnelled = true;
        ctx.flush();
        releaseQueued();
        Channel upstreamChannel = upstream.channel();
        upstreamChannel.pipeline().addLast("relay", new RelayHandler(ctx.channel(), completion, false));
        upstream.detachForTunnel();
        ChannelPipeline pipeline = ctx.pipeline();
        pipeline.replace(this, "relay", new RelayHandler(upstreamChannel, completion, true));
        pipeline.remove(CODEC_NAME);
    }

    private void slotMaybeDone() {
        if (inRequest || responding) {
            return;
        }
        exchange = null;
        if (closing) {
            releaseQueued();
            return;
        }
        boolean nextRequestWaits = false;
        while (queued != null && !queued.isEmpty() && !closing && !tunnelled) {
            Object next = queued.peek();
            if (responding && next instanceof HttpRequest) {
                nextRequestWaits = true;
                break;
            }
            queued.poll();
            dispatch(next);
        }
        if (exchange != null) {
            exchange.onDownstreamReadComplete();
        }
        if (!nextRequestWaits) {
            resume(PAUSE_PIPELINING);
        }
    }

    private void pause(int reason) {
        if (pauseReasons == 0) {
            ctx.channel().config().setAutoRead(false);
        }
        pauseReasons |= reason;
    }

    private void resume(int reason) {
        if ((pauseReasons & reason) == 0) {
            return;
        }
        pauseReasons &= ~reason;
        if (pauseReasons == 0 && !tunnelled) {
            ctx.channel().config().setAutoRead(true);
        }
    }

    private void releaseQueued() {
        if (queued != null) {
            Tunnels.release(queued);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (exchange != null) {
            exchange.onDownstreamReadComplete();
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable() && exchange != null) {
            exchange.onDownstreamWritable();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt == DrainEvent.INSTANCE) {
            keepAlive = false;
            if (!inRequest && !responding) {
                closing = true;
                ctx.close();
            }
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closing = true;
        releaseQueued();
        if (exchange != null) {
            exchange.onDownstreamClosed();
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
