package dev.skiff.proxy.transport;

import dev.skiff.proxy.filter.HttpFilterCallbacks;
import dev.skiff.proxy.filter.HttpFilterChain;
import dev.skiff.proxy.filter.RequestContext;
import dev.skiff.proxy.filter.RequestListener;
import dev.skiff.proxy.filter.ResponseFlag;
import dev.skiff.proxy.filter.UpstreamOutcomes;
import dev.skiff.proxy.model.Route;
import dev.skiff.proxy.upstream.AdmissionCallback;
import dev.skiff.proxy.upstream.ClusterRuntime;
import dev.skiff.proxy.upstream.ConnectCallback;
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

import java.util.ArrayDeque;
import java.util.random.RandomGenerator;

/**
 * One request forwarded to one upstream host over a pooled HTTP/1.1 connection, streamed both ways with
 * backpressure. Lives on the downstream connection's event loop, which also owns the upstream connection. The
 * request first passes the {@link HttpFilterChain}; the exchange is the filters' {@link HttpFilterCallbacks}.
 */
final class HttpExchange implements UpstreamListener, ConnectCallback, HttpFilterCallbacks, AdmissionCallback {

    static final String CONNECT_FAILURE_BODY =
            "upstream connect error or disconnect/reset before headers. reset reason: connection failure";
    static final String TERMINATION_BODY =
            "upstream connect error or disconnect/reset before headers. reset reason: connection termination";
    static final String OVERFLOW_BODY =
            "upstream connect error or disconnect/reset before headers. reset reason: overflow";

    private static final AsciiString GRPC_STATUS = AsciiString.cached("grpc-status");

    private final DownstreamStream downstream;
    private final RequestContext context;
    private final RequestListener requestListener;
    private final HttpRequest head;
    private final HttpFilterChain filters;
    private final Route route;
    private final RandomGenerator random;
    private final UpstreamHost host;
    private final boolean headRequest;
    private final boolean upgradeRequested;
    private ArrayDeque<HttpContent> pending;
    private UpstreamPools pools;
    private ClusterRuntime cluster;
    private UpstreamRequest admission;
    private boolean upstreamHttp2;
    private int connectTimeoutMillis;
    private int stoppedAt;
    private boolean hostStarted;
    private UpstreamStream upstream;
    private boolean requestComplete;
    private boolean responseStarted;
    private boolean skippingInformational;
    private boolean switchingProtocols;
    private boolean upstreamKeepAlive;
    private boolean done;

    HttpExchange(DownstreamStream downstream, RequestContext context, RequestListener requestListener,
                 HttpRequest head, HttpFilterChain filters, Route route, RandomGenerator random,
                 UpstreamHost host, boolean headRequest, boolean upgradeRequested) {
        this.downstream = downstream;
        this.context = context;
        this.requestListener = requestListener;
        this.head = head;
        this.filters = filters;
        this.route = route;
        this.random = random;
        this.host = host;
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
     * request once there is one. The request body waits (paused, or queued) meanwhile.
     *
     * @param http2 whether to speak HTTP/2 (prior knowledge) to the host rather than HTTP/1.1
     */
    void start(UpstreamPools pools, boolean http2, int connectTimeoutMillis) {
        this.pools = pools;
        this.upstreamHttp2 = http2;
        this.connectTimeoutMillis = connectTimeoutMillis;
        downstream.pauseRequestBody();
        runFilters(0);
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
            connect();
        }
    }

    private void connect() {
        hostStarted = true;
        host.requestStarted();
        admission = cluster.traffic().request(host, downstream.executor(), this);
        admission.admit();
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
        if (upstreamHttp2) {
            pools.http2Pool(host.address()).acquire(host, connectTimeoutMillis, this);
        } else {
            pools.pool(host.address()).acquire(host, connectTimeoutMillis, this);
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
    public void onConnected(UpstreamStream connection) {
        if (done) {
            connection.release(true);
            return;
        }
        upstream = connection;
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
        if (done) {
            content.release();
            return;
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
        skippingInformational = false;
        responseStarted = true;
        context.responseCode(code);
        upstreamKeepAlive = HttpUtil.isKeepAlive(full);
        recordGrpcStatus(full.headers());
        recordGrpcStatus(full.trailingHeaders());
        filters.onResponse(this, full);
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
        skippingInformational = false;
        responseStarted = true;
        context.responseCode(code);
        upstreamKeepAlive = HttpUtil.isKeepAlive(response);
        recordGrpcStatus(response.headers());
        filters.onResponse(this, response);
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
        hostFinished();
        downstream.switchToTunnel(upstream, new TunnelCompletion(context, requestListener));
    }

    private void finish() {
        done = true;
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
        context.addFlag(ResponseFlag.UPSTREAM_CONNECTION_TERMINATION);
        if (responseStarted) {
            done = true;
            releasePending();
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

    private void failWithLocalReply(String body) {
        finishWithLocalReply(503, body);
    }

    private void finishWithLocalReply(int status, String body) {
        done = true;
        releasePending();
        if (upstream != null) {
            upstream.release(false);
        }
        hostFinished();
        downstream.sendLocalReply(status, body);
        context.responseCode(status);
        downstream.exchangeFinished(requestComplete);
        requestListener.onComplete(context);
    }

    private void hostFinished() {
        if (hostStarted) {
            hostStarted = false;
            host.requestFinished();
            admission.finish(UpstreamOutcomes.of(context), context.responseCode());
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
