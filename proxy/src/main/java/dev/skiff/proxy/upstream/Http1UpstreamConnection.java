package dev.skiff.proxy.upstream;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;

/**
 * One pooled HTTP/1.1 connection to an upstream host, the last handler of its pipeline. While bound it hands every
 * response part to its {@link UpstreamListener}; while idle in the pool anything it receives is unexpected and
 * closes it.
 */
public final class Http1UpstreamConnection extends ChannelInboundHandlerAdapter {

    private final Http1ConnectionPool pool;
    private final UpstreamHost host;
    private Channel channel;
    private UpstreamListener listener;
    private boolean closed;

    Http1UpstreamConnection(Http1ConnectionPool pool, UpstreamHost host) {
        this.pool = pool;
        this.host = host;
    }

    public Channel channel() {
        return channel;
    }

    public UpstreamHost host() {
        return host;
    }

    boolean isUsable() {
        return !closed && channel != null && channel.isActive();
    }

    /** Binds the connection to one request; parts of its response go to {@code listener}. */
    public void bind(UpstreamListener listener) {
        this.listener = listener;
        channel.config().setAutoRead(true);
    }

    /** Writes (and flushes) a request part; ownership passes to the connection. */
    public void write(Object message) {
        channel.writeAndFlush(message, channel.voidPromise());
    }

    public boolean isWritable() {
        return channel.isWritable();
    }

    public void setAutoRead(boolean autoRead) {
        channel.config().setAutoRead(autoRead);
    }

    /**
     * Ends the binding. A reusable connection goes back to the pool's idle list; any other is closed.
     *
     * @param reusable whether the request and response completed and both sides allow keep-alive
     */
    public void release(boolean reusable) {
        listener = null;
        if (reusable && isUsable()) {
            channel.config().setAutoRead(true);
            pool.offerIdle(this);
        } else {
            close();
        }
    }

    /** Detaches the connection from the pool for good (for a tunnel after an upgrade). */
    public void detach() {
        listener = null;
        closed = true;
        pool.forget(this);
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
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        UpstreamListener current = listener;
        if (current != null) {
            current.onUpstreamWritabilityChanged(ctx.channel().isWritable());
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
