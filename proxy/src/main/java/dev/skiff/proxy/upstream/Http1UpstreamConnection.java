package dev.skiff.proxy.upstream;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;

/**
 * One pooled HTTP/1.1 connection to an upstream host, the last handler of its pipeline. While bound it hands every
 * response part to its {@link UpstreamListener}; while idle in the pool anything it receives is unexpected and
 * closes it.
 */
public final class Http1UpstreamConnection extends ChannelInboundHandlerAdapter implements UpstreamStream {

    private final Http1ConnectionPool pool;
    private final UpstreamHost host;
    private Channel channel;
    private UpstreamListener listener;
    private boolean closed;
    private boolean expired;
    private int served;

    Http1UpstreamConnection(Http1ConnectionPool pool, UpstreamHost host) {
        this.pool = pool;
        this.host = host;
    }

    @Override
    public Channel channel() {
        return channel;
    }

    @Override
    public UpstreamHost host() {
        return host;
    }

    boolean isUsable() {
        return !closed && channel != null && channel.isActive();
    }

    @Override
    public void bind(UpstreamListener listener) {
        this.listener = listener;
        served++;
        channel.config().setAutoRead(true);
    }

    @Override
    public void write(Object message) {
        channel.write(message, channel.voidPromise());
    }

    @Override
    public void flush() {
        channel.flush();
    }

    @Override
    public boolean isWritable() {
        return channel.isWritable();
    }

    @Override
    public void setAutoRead(boolean autoRead) {
        channel.config().setAutoRead(autoRead);
    }

    @Override
    public void release(boolean reusable) {
        listener = null;
        if (reusable && isUsable() && !expired && pool.mayServeMore(served)) {
            channel.config().setAutoRead(true);
            pool.offerIdle(this);
        } else {
            close();
        }
    }

    @Override
    public void detachForTunnel() {
        listener = null;
        closed = true;
        pool.forget(this);
        channel.pipeline().remove(this);
        channel.pipeline().remove(HttpClientCodec.class);
        channel.pipeline().remove(IdleStateHandler.class);
    }

    /** Whether the connection lived its maximum duration and serves no further request. */
    boolean isExpired() {
        return expired;
    }

    /** The connection lived its maximum duration: closed now when idle, else when its request ends. */
    void expire() {
        expired = true;
        if (listener == null && !closed) {
            pool.forget(this);
            close();
        }
    }

    public void close() {
        listener = null;
        if (channel != null) {
            channel.close();
        }
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        channel = ctx.channel();
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        host.connectionOpened();
        pool.connectionActive(this);
        ctx.channel().closeFuture().addListener((ChannelFutureListener) future -> host.connectionClosed());
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        UpstreamListener current = listener;
        if (current == null) {
            ReferenceCountUtil.release(msg);
            ctx.close();
            return;
        }
        current.onUpstreamMessage(msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closed = true;
        pool.forget(this);
        UpstreamListener current = listener;
        listener = null;
        if (current != null) {
            current.onUpstreamClosed();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        UpstreamListener current = listener;
        if (current != null) {
            current.onUpstreamReadComplete();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        UpstreamListener current = listener;
        if (current != null) {
            current.onUpstreamWritabilityChanged(ctx.channel().isWritable());
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent && listener == null) {
            ctx.close();
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
