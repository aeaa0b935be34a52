package dev.skiff.proxy.transport;

import dev.skiff.proxy.fallback.FallbackPolicy;
import dev.skiff.proxy.filter.HttpFilterCallbacks;
import dev.skiff.proxy.filter.HttpFilterChain;
import dev.skiff.proxy.filter.RequestContext;
import dev.skiff.proxy.filter.RequestListener;
import dev.skiff.proxy.filter.ResponseFlag;
import dev.skiff.proxy.filter.RouterFilter;
import dev.skiff.proxy.filter.UpstreamOutcomes;
import dev.skiff.proxy.model.UpstreamTlsSpec;
import dev.skiff.proxy.model.ConnectionPoolSpec;
import dev.skiff.proxy.model.RetryPolicy;
import dev.skiff.proxy.model.MirrorPolicy;
import dev.skiff.proxy.model.Route;
import dev.skiff.proxy.model.WeightedCluster;
import dev.skiff.proxy.policy.Mutations;
import dev.skiff.proxy.route.ShadowRequest;
import dev.skiff.proxy.telemetry.ConnectionDetails;
import dev.skiff.proxy.telemetry.FailureDetails;
import dev.skiff.proxy.policy.ReplayBuffer;
import dev.skiff.proxy.policy.RetryState;
import dev.skiff.proxy.upstream.AdmissionCallback;
import dev.skiff.proxy.upstream.ClusterRuntime;
import dev.skiff.proxy.upstream.ConnectCallback;
import dev.skiff.proxy.upstream.OutlierResult;
import dev.skiff.proxy.upstream.UpstreamClusters;
import dev.skiff.proxy.upstream.UpstreamHost;
import dev.skiff.proxy.upstream.UpstreamListener;
import dev.skiff.proxy.upstream.UpstreamOverflowException;
import dev.skiff.proxy.upstream.UpstreamPools;
import dev.skiff.proxy.upstream.UpstreamRequest;
import dev.skiff.proxy.upstream.UpstreamStream;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;

/**
 * One request forwarded to one upstream host over a pooled HTTP/1.1 connection, streamed both ways with
 * backpressure. Lives on the downstream connection's event loop, which also owns the upstream connection. The
 * request first passes the {@link HttpFilterChain}; the exchange is the filters' {@link HttpFilterCallbacks}.
 * The route's timeout runs from the end of the request until the response is complete; its retry policy retries
 * attempts that fail before a response head was forwarded, on another host, after a jittered back-off, replaying
 * the request body from a bounded {@link ReplayBuffer}. Neither applies to a request the fault filter delayed.
 */
final class HttpExchange implements UpstreamListener, ConnectCallback, HttpFilterCallbacks, AdmissionCallback {

    static final String CONNECT_FAILURE_BODY =
            "upstream connect error or disconnect/reset before headers. reset reason: connection failure";
    static final String TERMINATION_BODY =
            "upstream connect error or disconnect/reset before headers. reset reason: connection termination";
    static final String TIMEOUT_BODY = "upstream request timeout";
    static final String NO_HEALTHY_UPSTREAM_BODY = "no healthy upstream";
    static final String OVERFLOW_BODY =
            "upstream connect error or disconnect/reset before headers. reset reason: overflow";

    private static final AsciiString GRPC_STATUS = AsciiString.cached("grpc-status");

    private final DownstreamStream downstream;
    private final RequestContext context;
    private final RequestListener requestListener;
    private final HttpRequest head;
    private final HttpFilterChain filters;
    private final Route route;
    private final RouterFilter router;
    private final RandomGenerator random;
    private UpstreamHost host;
    private WeightedCluster destination;
    private UpstreamClusters mirrorClusters;
    private ShadowRequest[] shadows;
    private final boolean headRequest;
    private final boolean upgradeRequested;
    private ArrayDeque<HttpContent> pending;
    private UpstreamPools pools;
    private ClusterRuntime cluster;
    private UpstreamRequest admission;
    private UpstreamTlsSpec upstreamTls;
    private boolean upstreamHttp2;
    private int connectTimeoutMillis;
    private int stoppedAt;
    private boolean hostStarted;
    private UpstreamStream upstream;
    private Attempt attempt;
    private RetryPolicy retryPolicy;
    private RetryState retry;
    private ReplayBuffer replay;
    private ScheduledFuture<?> routeTimer;
    private ScheduledFuture<?> tryTimer;
    private ScheduledFuture<?> backoffTimer;
    private boolean requestComplete;
    private boolean responseStarted;
    private boolean skippingInformational;
    private boolean switchingProtocols;
    private boolean upstreamKeepAlive;
    private boolean done;

    HttpExchange(DownstreamStream downstream, RequestContext context, RequestListener requestListener,
                 HttpRequest head, HttpFilterChain filters, Route route, RouterFilter router,
                 UpstreamHost host, boolean headRequest, boolean upgradeRequested) {
        this.downstream = downstream;
        this.context = context;
        this.requestListener = requestListener;
        this.head = head;
        this.filters = filters;
        this.route = route;
        this.router = router;
        this.random = router.random();
        this.host = host;
        this.retryPolicy = route.action().retryPolicy();
        this.headRequest = headRequest;
        this.upgradeRequested = upgradeRequested;
    }

    @Override
    public RequestContext context() {
        return context;
    }

    @Override
    public boolean isDone() {
        return done;
    }

    @Override
    public HttpRequest request() {
        return head;
    }

    @Override
    public Route route() {
        return route;
    }

    @Override
    public RandomGenerator random() {
        return random;
    }

    @Override
    public EventExecutor executor() {
        return downstream.executor();
    }

    /**
     * Runs the request through the filters, then asks the event loop's pools for a way to the host and sends the
     * request once there is one. The request body waits (paused, or queued) meanwhile; reading pauses only when
     * the request is still waiting once this returns, so that a request served at once by an idle pooled connection
     * does not turn reading off and on again.
     *
     * @param http2 whether to speak HTTP/2 (prior knowledge) to the host rather than HTTP/1.1
     */
    void start(UpstreamPools pools, boolean http2, int connectTimeoutMillis) {
        start(pools, http2, connectTimeoutMillis, null);
    }

    /** Like {@link #start(UpstreamPools, boolean, int)}, over TLS when {@code tls} is not null. */
    void start(UpstreamPools pools, boolean http2, int connectTimeoutMillis, UpstreamTlsSpec tls) {
        this.upstreamTls = tls;
        this.pools = pools;
        this.upstreamHttp2 = http2;
        this.connectTimeoutMillis = connectTimeoutMillis;
        runFilters(0);
        if (!done && (upstream == null || !upstream.isWritable())) {
            downstream.pauseRequestBody();
        }
    }

    @Override
    public void resume() {
        if (!done) {
            runFilters(stoppedAt + 1);
        }
    }

    private void runFilters(int from) {
        stoppedAt = filters.run(from, this);
        if (stoppedAt == filters.size() && !done) {
            if (destination != null) {
                Mutations.applyHeaders(destination.requestHeaders(), head.headers());
            }
            Mutations.applyToRequest(route.action().mutations(), route.match().path(), head);
            if (mirrorClusters != null) {
                startShadows();
            }
            connect();
        }
    }

    private void connect() {
        if (context.hasFlag(ResponseFlag.DELAY_INJECTED)) {
            retryPolicy = null;
            releaseReplay();
        }
        hostStarted = true;
        host.requestStarted();
        attempt = new Attempt();
        if (retryPolicy != null && retryPolicy.perTryTimeout() != null) {
            tryTimer = schedule(retryPolicy.perTryTimeout(), attempt);
        }
        admission = cluster.traffic().request(host, downstream.executor(), this);
        admission.admit();
    }

    private ScheduledFuture<?> schedule(Duration delay, Runnable task) {
        return downstream.executor().schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
    }

    /**
     * One try of the request: the pool's answer goes here, so that an answer for a try that was given up (timed
     * out, or retried) is told apart and dropped. Also the try's per-try timeout task.
     */
    private final class Attempt implements ConnectCallback, Runnable {
        @Override
        public void onConnected(UpstreamStream stream) {
            if (attempt != this || done) {
                stream.release(true);
                return;
            }
            HttpExchange.this.onConnected(stream);
        }

        @Override
        public void onConnectFailed(Throwable cause) {
            if (attempt == this && !done) {
                HttpExchange.this.onConnectFailed(cause);
            }
        }

        /** The per-try timeout. */
        @Override
        public void run() {
            if (attempt != this || done || responseStarted) {
                return;
            }
            tryTimer = null;
            if (retryAfter(RetryState.Failure.PER_TRY_TIMEOUT, OutlierResult.EXT_ORIGIN_REQUEST_FAILED)) {
                return;
            }
            context.addFlag(ResponseFlag.UPSTREAM_REQUEST_TIMEOUT);
            finishWithLocalReply(504, TIMEOUT_BODY);
        }
    }

    /**
     * Starts a retry when the policy covers this failure, a retry is left and the request body can be replayed;
     * records URX when only the retry limit stood in the way.
     */
    private boolean retryAfter(RetryState.Failure failure, OutlierResult outcome) {
        if (retryPolicy == null) {
            return false;
        }
        RetryState state = retryState();
        if (!state.isRetriable(failure)) {
            return false;
        }
        return retry(state, outcome, 0);
    }

    /** Like {@link #retryAfter} for a response head that was not forwarded yet. */
    private boolean retryAfterResponse(int code, HttpHeaders headers, HttpHeaders trailers) {
        if (retryPolicy == null) {
            return false;
        }
        int grpc = grpcStatusCode(headers);
        if (grpc < 0 && trailers != null) {
            grpc = grpcStatusCode(trailers);
        }
        if (!RetryState.isRetriable(retryPolicy, code, grpc)) {
            return false;
        }
        return retry(retryState(), OutlierResult.HTTP_RESPONSE, code);
    }

    private boolean retry(RetryState state, OutlierResult outcome, int code) {
        if (!state.hasRetriesLeft()) {
            context.addFlag(ResponseFlag.UPSTREAM_RETRY_LIMIT_EXCEEDED);
            return false;
        }
        if (replay != null && !replay.canReplay()) {
            return false;
        }
        abandonAttempt(outcome, code);
        backoffTimer = downstream.executor().schedule(this::startRetry, state.startRetry(random),
                TimeUnit.NANOSECONDS);
        return true;
    }

    private RetryState retryState() {
        if (retry == null) {
            retry = new RetryState(retryPolicy);
            retry.attempted(host.address());
        }
        return retry;
    }

    /** Gives up the current try: its connection is closed, its host hears how it went. */
    private void abandonAttempt(OutlierResult outcome, int code) {
        attempt = null;
        cancelTryTimer();
        downstream.pauseRequestBody();
        if (upstream != null) {
            upstream.release(false);
            upstream = null;
        }
        hostFinished(outcome, code);
    }

    /** After the back-off: another host (avoiding tried ones when the predicate says so), the body again. */
    private void startRetry() {
        backoffTimer = null;
        if (done) {
            return;
        }
        UpstreamHost next = null;
        for (int i = 0; i < retry.hostSelectionAttempts(); i++) {
            next = router.pick(cluster);
            if (next == null || !retry.rejectsHost(next.address())) {
                break;
            }
        }
        if (next == null) {
            context.addFlag(ResponseFlag.NO_HEALTHY_UPSTREAM);
            finishWithLocalReply(503, NO_HEALTHY_UPSTREAM_BODY);
            return;
        }
        host = next;
        retry.attempted(next.address());
        context.upstreamHost(next.address());
        releasePending();
        if (replay != null) {
            if (pending == null) {
                pending = new ArrayDeque<>(2);
            }
            replay.replay(pending::add);
        }
        if (requestComplete && (replay == null || !replay.hasLast())) {
            if (pending == null) {
                pending = new ArrayDeque<>(1);
            }
            pending.add(LastHttpContent.EMPTY_LAST_CONTENT);
        }
        connect();
    }

    private static int grpcStatusCode(HttpHeaders headers) {
        String status = headers.get(GRPC_STATUS);
        if (status == null || status.isEmpty() || status.length() > 2) {
            return -1;
        }
        int code = 0;
        for (int i = 0; i < status.length(); i++) {
            char c = status.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            code = code * 10 + (c - '0');
        }
        return code;
    }

    /** The route timeout: answer 504 (UT), or reset the downstream when the response already started. */
    private void onRouteTimeout() {
        routeTimer = null;
        if (done) {
            return;
        }
        context.addFlag(ResponseFlag.UPSTREAM_REQUEST_TIMEOUT);
        if (!responseStarted) {
            finishWithLocalReply(504, TIMEOUT_BODY);
            return;
        }
        done = true;
        releasePending();
        releasePolicies();
        if (upstream != null) {
            upstream.release(false);
        }
        hostFinished();
        downstream.abort();
        requestListener.onComplete(context);
    }

    private void cancelTryTimer() {
        if (tryTimer != null) {
            tryTimer.cancel(false);
            tryTimer = null;
        }
    }

    /**
     * Stops every timer and lets go of the replay buffer; called once the exchange is over. Copies for mirrors
     * whose request will not be completed are given up.
     */
    private void releasePolicies() {
        if (shadows != null && !requestComplete) {
            for (ShadowRequest shadow : shadows) {
                if (shadow != null) {
                    shadow.requestAbandoned();
                }
            }
        }
        cancelTryTimer();
        if (routeTimer != null) {
            routeTimer.cancel(false);
            routeTimer = null;
        }
        if (backoffTimer != null) {
            backoffTimer.cancel(false);
            backoffTimer = null;
        }
        releaseReplay();
    }

    private void releaseReplay() {
        if (replay != null) {
            replay.release();
            replay = null;
        }
    }

    /**
     * Sends the copies the route's mirrors pick, with the body received so far; the rest follows in
     * {@link #onRequestContent}.
     */
    private void startShadows() {
        List<MirrorPolicy> mirrors = route.action().mirrors();
        for (int i = 0; i < mirrors.size(); i++) {
            ShadowRequest shadow = ShadowRequest.start(mirrors.get(i), this, mirrorClusters, router, pools,
                    upstreamHttp2);
            if (shadow != null) {
                if (shadows == null) {
                    shadows = new ShadowRequest[mirrors.size()];
                }
                shadows[i] = shadow;
                if (pending != null) {
                    for (HttpContent content : pending) {
                        shadow.onRequestContent(content);
                    }
                }
            }
        }
    }

    /** The request's mirrors copy it to clusters of {@code clusters}; set before start when the route has any. */
    void mirrorThrough(UpstreamClusters clusters) {
        this.mirrorClusters = upgradeRequested ? null : clusters;
    }

    /** The picked destination's header changes (before the route's), then the route's. */
    private void applyResponseMutations(HttpHeaders headers) {
        if (destination != null) {
            Mutations.applyHeaders(destination.responseHeaders(), headers);
        }
        Mutations.applyToResponse(route.action().mutations(), headers);
    }

    /** The picked destination of the route when it changes headers (null when it does not); set before start. */
    void destination(WeightedCluster picked) {
        this.destination = picked;
    }

    /**
     * The cluster whose circuit breakers admit the request and whose outlier detection hears how it went; set
     * before {@code start}.
     */
    void admitThrough(ClusterRuntime cluster) {
        this.cluster = cluster;
    }

    @Override
    public void onOverflow(UpstreamOverflowException overflow) {
        if (done) {
            return;
        }
        context.addFlag(ResponseFlag.UPSTREAM_OVERFLOW);
        failWithLocalReply(OVERFLOW_BODY);
    }

    @Override
    public void onAdmitted() {
        if (done) {
            return;
        }
        ConnectionPoolSpec settings = cluster.spec().policy().connectionPool();
        if (upstreamHttp2) {
            pools.http2Pool(host.address(), upstreamTls, settings).acquire(host, connectTimeoutMillis, attempt);
        } else {
            pools.pool(host.address(), upstreamTls, settings).acquire(host, connectTimeoutMillis, attempt);
        }
    }

    @Override
    public void sendLocalReply(int status, String body, ResponseFlag flag) {
        if (done) {
            return;
        }
        if (flag != null) {
            context.addFlag(flag);
        }
        finishWithLocalReply(status, body);
    }

    @Override
    public void sendLocalResponse(FullHttpResponse response, ResponseFlag flag) {
        if (done) {
            response.release();
            return;
        }
        if (flag != null) {
            context.addFlag(flag);
        }
        done = true;
        releasePending();
        releasePolicies();
        if (upstream != null) {
            upstream.release(false);
        }
        hostFinished();
        int status = response.status().code();
        context.responseCode(status);
        context.addBytesSent(response.content().readableBytes());
        downstream.sendFullResponse(response, headRequest || status == 204 || status == 304);
        downstream.exchangeFinished(requestComplete);
        requestListener.onComplete(context);
    }

    @Override
    public void onConnected(UpstreamStream connection) {
        if (done) {
            connection.release(true);
            return;
        }
        upstream = connection;
        context.upstreamConnection(ConnectionDetails.of(connection.channel()));
        connection.bind(this);
        connection.write(head);
        if (pending != null) {
            HttpContent content;
            while ((content = pending.poll()) != null) {
                connection.write(content);
            }
        }
        connection.flush();
        if (connection.isWritable()) {
            downstream.resumeRequestBody();
        }
    }

    @Override
    public void onConnectFailed(Throwable cause) {
        if (done) {
            return;
        }
        context.upstreamTransportFailureReason(FailureDetails.transportFailureReason(cause));
        if (retryAfter(RetryState.Failure.CONNECT_FAILURE, OutlierResult.LOCAL_ORIGIN_CONNECT_FAILED)) {
            return;
        }
        context.addFlag(ResponseFlag.UPSTREAM_CONNECTION_FAILURE);
        failWithLocalReply(CONNECT_FAILURE_BODY);
    }

    /** A part of the request body from downstream; ownership passes to the exchange. */
    void onRequestContent(HttpContent content) {
        context.addBytesReceived(content.content().readableBytes());
        context.countRequestMessages(content.content());
        if (content instanceof LastHttpContent) {
            requestComplete = true;
        }
        if (shadows != null) {
            for (ShadowRequest shadow : shadows) {
                if (shadow != null) {
                    shadow.onRequestContent(content);
                }
            }
        }
        if (done) {
            content.release();
            return;
        }
        if (requestComplete && route.action().timeout() != null && routeTimer == null
                && !context.hasFlag(ResponseFlag.DELAY_INJECTED)) {
            routeTimer = schedule(route.action().timeout(), this::onRouteTimeout);
        }
        if (retryPolicy != null && (replay != null || content.content().isReadable()
                || !(content instanceof LastHttpContent last) || !last.trailingHeaders().isEmpty())) {
            if (replay == null) {
                replay = new ReplayBuffer(ReplayBuffer.DEFAULT_LIMIT_BYTES);
            }
            replay.add(content);
        }
        if (upstream == null) {
            if (pending == null) {
                pending = new ArrayDeque<>(2);
            }
            pending.add(content);
            return;
        }
        upstream.write(content);
        if (!upstream.isWritable()) {
            // pause before flushing: the flush may drain the buffer at once and report writability right away
            downstream.pauseRequestBody();
            upstream.flush();
        }
    }

    /** The end of a downstream read batch (or of a run of queued request parts): flush them upstream. */
    void onDownstreamReadComplete() {
        if (!done && upstream != null) {
            upstream.flush();
        }
    }

    @Override
    public void onUpstreamReadComplete() {
        if (!done) {
            downstream.flush();
        }
    }

    void onDownstreamWritable() {
        if (!done && upstream != null) {
            upstream.setAutoRead(true);
        }
    }

    void onDownstreamClosed() {
        if (done) {
            return;
        }
        context.addFlag(ResponseFlag.DOWNSTREAM_CONNECTION_TERMINATION);
        done = true;
        releasePending();
        releasePolicies();
        if (upstream != null) {
            upstream.release(false);
        }
        hostFinished();
        requestListener.onComplete(context);
    }

    @Override
    public void onUpstreamMessage(Object message) {
        if (done) {
            ReferenceCountUtil.release(message);
            return;
        }
        if (message instanceof FullHttpResponse full) {
            onFullResponse(full);
            return;
        }
        if (message instanceof HttpResponse response) {
            onResponseHead(response);
        }
        if (message instanceof HttpContent content) {
            onResponseContent(content);
        } else if (!(message instanceof HttpResponse)) {
            ReferenceCountUtil.release(message);
        }
    }

    /**
     * A whole response in one message, as HTTP/2 delivers a response that ends with its headers (a gRPC
     * trailers-only answer); it is passed on whole so that it stays one HEADERS frame with end of stream.
     */
    private void onFullResponse(FullHttpResponse full) {
        int code = full.status().code();
        if (code < 200 || switchingProtocols) {
            full.release();
            return;
        }
        if (retryAfterResponse(code, full.headers(), full.trailingHeaders())) {
            full.release();
            return;
        }
        if (FallbackPolicy.replacesUpstreamResponse(route, context)) {
            full.release();
            fallBackFrom(code);
            return;
        }
        skippingInformational = false;
        responseStarted = true;
        context.responseCode(code);
        upstreamKeepAlive = HttpUtil.isKeepAlive(full);
        recordGrpcStatus(full.headers());
        recordGrpcStatus(full.trailingHeaders());
        filters.onResponse(this, full);
        applyResponseMutations(full.headers());
        ProxyHeaders.prepareResponse(full.headers(), false);
        requestListener.onResponseHeaders(context, full.headers());
        context.addBytesSent(full.content().readableBytes());
        context.countResponseMessages(full.content());
        downstream.sendFullResponse(full, headRequest || code == 204 || code == 304);
        finish();
    }

    private void onResponseHead(HttpResponse response) {
        int code = response.status().code();
        if (code == 101 && upgradeRequested) {
            switchingProtocols = true;
            context.responseCode(code);
            ProxyHeaders.prepareResponse(response.headers(), true);
            downstream.sendResponseHead(response, true);
            return;
        }
        if (code < 200) {
            skippingInformational = true;
            return;
        }
        if (retryAfterResponse(code, response.headers(), null)) {
            return;
        }
        if (FallbackPolicy.replacesUpstreamResponse(route, context)) {
            fallBackFrom(code);
            return;
        }
        skippingInformational = false;
        responseStarted = true;
        cancelTryTimer();
        context.responseCode(code);
        upstreamKeepAlive = HttpUtil.isKeepAlive(response);
        recordGrpcStatus(response.headers());
        filters.onResponse(this, response);
        applyResponseMutations(response.headers());
        ProxyHeaders.prepareResponse(response.headers(), false);
        requestListener.onResponseHeaders(context, response.headers());
        downstream.sendResponseHead(response, headRequest || code == 204 || code == 304);
    }

    private void onResponseContent(HttpContent content) {
        boolean last = content instanceof LastHttpContent;
        if (skippingInformational) {
            content.release();
            skippingInformational = !last;
            return;
        }
        if (switchingProtocols) {
            content.release();
            if (last) {
                switchToTunnel();
            }
            return;
        }
        if (!responseStarted) {
            content.release();
            return;
        }
        context.addBytesSent(content.content().readableBytes());
        context.countResponseMessages(content.content());
        if (last) {
            recordGrpcStatus(((LastHttpContent) content).trailingHeaders());
        }
        downstream.sendResponseContent(content);
        if (last) {
            finish();
        } else if (!downstream.isWritable()) {
            upstream.setAutoRead(false);
            downstream.flush();
        }
    }

    private void recordGrpcStatus(HttpHeaders headers) {
        String status = headers.get(GRPC_STATUS);
        if (status != null) {
            context.grpcStatus(status);
        }
    }

    private void switchToTunnel() {
        done = true;
        releasePolicies();
        hostFinished();
        downstream.switchToTunnel(upstream, new TunnelCompletion(context, requestListener));
    }

    private void finish() {
        done = true;
        releasePolicies();
        upstream.release(requestComplete && upstreamKeepAlive);
        hostFinished();
        downstream.exchangeFinished(requestComplete);
        requestListener.onComplete(context);
    }

    @Override
    public void onUpstreamClosed() {
        if (done) {
            return;
        }
        if (!responseStarted && retryAfter(RetryState.Failure.RESET, OutlierResult.EXT_ORIGIN_REQUEST_FAILED)) {
            return;
        }
        context.addFlag(ResponseFlag.UPSTREAM_CONNECTION_TERMINATION);
        if (responseStarted) {
            done = true;
            releasePending();
            releasePolicies();
            hostFinished();
            downstream.abort();
            requestListener.onComplete(context);
        } else {
            failWithLocalReply(TERMINATION_BODY);
        }
    }

    @Override
    public void onUpstreamWritabilityChanged(boolean writable) {
        if (writable && !done) {
            downstream.resumeRequestBody();
        }
    }

    /**
     * Answers with the route's fallback instead of the upstream's response to the last try (its body is dropped
     * with the connection); outlier detection still hears the upstream's status.
     */
    private void fallBackFrom(int upstreamCode) {
        context.responseCode(upstreamCode);
        finishWithLocalReply(upstreamCode, "");
    }

    private void failWithLocalReply(String body) {
        finishWithLocalReply(503, body);
    }

    private void finishWithLocalReply(int status, String body) {
        done = true;
        releasePending();
        releasePolicies();
        if (upstream != null) {
            upstream.release(false);
        }
        hostFinished();
        FullHttpResponse fallback = FallbackPolicy.replacing(route, context);
        if (fallback != null) {
            context.responseCode(fallback.status().code());
            context.addBytesSent(fallback.content().readableBytes());
            downstream.sendFullResponse(fallback, headRequest);
        } else {
            downstream.sendLocalReply(status, body);
            context.responseCode(status);
        }
        downstream.exchangeFinished(requestComplete);
        requestListener.onComplete(context);
    }

    private void hostFinished() {
        hostFinished(UpstreamOutcomes.of(context), context.responseCode());
    }

    private void hostFinished(OutlierResult outcome, int code) {
        if (hostStarted) {
            hostStarted = false;
            host.requestFinished();
            admission.finish(outcome, code);
        }
    }

    private void releasePending() {
        if (pending == null) {
            return;
        }
        HttpContent content;
        while ((content = pending.poll()) != null) {
            content.release();
        }
    }
}
