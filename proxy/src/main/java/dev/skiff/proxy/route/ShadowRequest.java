package dev.skiff.proxy.route;

import dev.skiff.proxy.filter.HttpFilterCallbacks;
import dev.skiff.proxy.filter.RouterFilter;
import dev.skiff.proxy.model.ClusterSpec;
import dev.skiff.proxy.model.MirrorPolicy;
import dev.skiff.proxy.model.UpstreamTlsSpec;
import dev.skiff.proxy.upstream.ClusterRuntime;
import dev.skiff.proxy.upstream.ConnectCallback;
import dev.skiff.proxy.upstream.UpstreamClusters;
import dev.skiff.proxy.upstream.UpstreamHost;
import dev.skiff.proxy.upstream.UpstreamListener;
import dev.skiff.proxy.upstream.UpstreamPools;
import dev.skiff.proxy.upstream.UpstreamStream;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.HttpConversionUtil;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * One fire-and-forget copy of a request to a mirror cluster, as Envoy's shadow writer sends it: the request head
 * as it goes upstream with {@code -shadow} added to the host name of its authority, then a copy of each body part,
 * on the request's event loop. The copy never holds up the request: it takes its own pooled connection, its answer
 * is read and dropped, a failure ends only the copy, and a body that grows past {@link #BODY_LIMIT_BYTES} ends the
 * copy (its connection is closed) rather than being buffered further. The route timeout, when there is one, bounds
 * the copy too.
 */
public final class ShadowRequest implements ConnectCallback, UpstreamListener {

    /** The most request body a copy carries (Istio's listener buffer limit, as for retries). */
    public static final int BODY_LIMIT_BYTES = 32 * 1024;

    private static final String SHADOW_SUFFIX = "-shadow";
    private static final AsciiString HTTP = AsciiString.cached("http");

    private final HttpRequest head;
    private final UpstreamHost host;
    private ArrayDeque<HttpContent> pending;
    private UpstreamStream stream;
    private ScheduledFuture<?> timer;
    private long bodyBytes;
    private boolean requestComplete;
    private boolean finalResponse;
    private boolean keepAlive;
    private boolean done;

    private ShadowRequest(HttpRequest head, UpstreamHost host) {
        this.head = head;
        this.host = host;
    }

    /**
     * Starts a copy of the request when the mirror's share picks it and its cluster has a healthy host.
     *
     * @param request        the request as it goes upstream (head after the route's changes, loop, randomness,
     *                       route timeout)
     * @param clusters       the clusters the request's snapshot holds
     * @param router         picks the mirror's host from this event loop's balancer
     * @param pools          this event loop's connection pools
     * @param downstreamHttp2 the protocol a cluster that follows the downstream speaks
     * @return the copy, or null when none is sent
     */
    public static ShadowRequest start(MirrorPolicy policy, HttpFilterCallbacks request, UpstreamClusters clusters,
                                      RouterFilter router, UpstreamPools pools, boolean downstreamHttp2) {
        if (policy.perMillion() < MirrorPolicy.MILLION
                && (policy.perMillion() == 0 || request.random().nextInt(MirrorPolicy.MILLION) >= policy.perMillion())) {
            return null;
        }
        ClusterRuntime cluster = clusters.get(policy.cluster());
        UpstreamHost host = cluster == null ? null : router.pick(cluster);
        if (host == null) {
            return null;
        }
        ClusterSpec spec = cluster.spec();
        boolean http2 = switch (spec.protocol()) {
            case HTTP1 -> false;
            case HTTP2 -> true;
            case USE_DOWNSTREAM -> downstreamHttp2;
        };
        HttpRequest original = request.request();
        HttpHeaders headers = original.headers().copy();
        if (policy.shadowHostSuffix()) {
            String authority = headers.get(HttpHeaderNames.HOST);
            if (authority != null) {
                headers.set(HttpHeaderNames.HOST, shadowAuthority(authority));
            }
        }
        if (http2) {
            headers.set(HttpConversionUtil.ExtensionHeaderNames.SCHEME.text(), HTTP);
        } else {
            headers.remove(HttpConversionUtil.ExtensionHeaderNames.SCHEME.text());
        }
        ShadowRequest shadow = new ShadowRequest(new DefaultHttpRequest(HttpVersion.HTTP_1_1, original.method(),
                original.uri(), headers), host);
        host.requestStarted();
        Duration timeout = request.route().action().timeout();
        if (timeout != null) {
            shadow.timer = request.executor().schedule(shadow::abandon, timeout.toNanos(), TimeUnit.NANOSECONDS);
        }
        int connectTimeout = (int) Math.min(Integer.MAX_VALUE, spec.connectTimeout().toMillis());
        UpstreamTlsSpec tls = spec.transport().tlsFor(host.endpoint());
        if (http2) {
            pools.http2Pool(host.address(), tls, spec.policy().connectionPool()).acquire(host, connectTimeout, shadow);
        } else {
            pools.pool(host.address(), tls, spec.policy().connectionPool()).acquire(host, connectTimeout, shadow);
        }
        return shadow;
    }

    /** Envoy's shadow authority: {@code -shadow} after the host name, before the port. */
    static String shadowAuthority(String authority) {
        int colon = authority.lastIndexOf(':');
        if (colon < 0 || authority.indexOf(']', colon) >= 0) {
            return authority + SHADOW_SUFFIX;
        }
        return authority.substring(0, colon) + SHADOW_SUFFIX + authority.substring(colon);
    }

    /** A part of the request body; the copy takes its own reference, the caller keeps the part. */
    public void onRequestContent(HttpContent content) {
        if (done) {
            return;
        }
        bodyBytes += content.content().readableBytes();
        if (bodyBytes > BODY_LIMIT_BYTES) {
            abandon();
            return;
        }
        if (content instanceof LastHttpContent) {
            requestComplete = true;
        }
        HttpContent copy = content.retainedDuplicate();
        if (stream == null) {
            if (pending == null) {
                pending = new ArrayDeque<>(2);
            }
            pending.add(copy);
            return;
        }
        stream.write(copy);
        stream.flush();
    }

    /** The request ended before its body was complete: the copy is given up. */
    public void requestAbandoned() {
        if (!requestComplete) {
            abandon();
        }
    }

    public boolean isDone() {
        return done;
    }

    @Override
    public void onConnected(UpstreamStream connected) {
        if (done) {
            connected.release(true);
            return;
        }
        stream = connected;
        connected.bind(this);
        connected.write(head);
        if (pending != null) {
            HttpContent content;
            while ((content = pending.poll()) != null) {
                connected.write(content);
            }
        }
        connected.flush();
    }

    @Override
    public void onConnectFailed(Throwable cause) {
        finish(false);
    }

    @Override
    public void onUpstreamMessage(Object message) {
        boolean end;
        if (message instanceof FullHttpResponse full) {
            end = full.status().code() >= 200;
            keepAlive = HttpUtil.isKeepAlive(full);
        } else {
            if (message instanceof HttpResponse response && response.status().code() >= 200) {
                finalResponse = true;
                keepAlive = HttpUtil.isKeepAlive(response);
            }
            end = finalResponse && message instanceof LastHttpContent;
        }
        ReferenceCountUtil.release(message);
        if (end && !done) {
            finish(requestComplete && keepAlive);
        }
    }

    @Override
    public void onUpstreamReadComplete() {
    }

    @Override
    public void onUpstreamClosed() {
        finish(false);
    }

    @Override
    public void onUpstreamWritabilityChanged(boolean writable) {
    }

    private void abandon() {
        finish(false);
    }

    private void finish(boolean reusable) {
        if (done) {
            return;
        }
        done = true;
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
        if (pending != null) {
            HttpContent content;
            while ((content = pending.poll()) != null) {
                content.release();
            }
        }
        if (stream != null) {
            stream.release(reusable);
            stream = null;
        }
        host.requestFinished();
    }
}
