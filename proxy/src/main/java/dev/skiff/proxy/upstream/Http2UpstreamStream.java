package dev.skiff.proxy.upstream;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;

/**
 * One HTTP/2 stream to an upstream host, the last handler of the stream channel's pipeline (after the frame to HTTP
 * object codec). Streams are never reused: releasing one closes it, which resets it if it is still open.
 */
final class Http2UpstreamStream extends ChannelInboundHandlerAdapter implements UpstreamStream {

    private final UpstreamHost host;
    private Channel channel;
    private UpstreamListener listener;

    Http2UpstreamStream(UpstreamHost host) {
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

    @Override
    public void bind(UpstreamListener listener) {
        this.listener = listener;
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
        channel.close();
    }

    @Override
    public void detachForTunnel() {
        throw new UnsupportedOperationException("an HTTP/2 stream to " + host.address()
                + " cannot switch protocols (expected: an HTTP/1.1 upstream for upgrades)");
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        channel = ctx.channel();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        UpstreamListener current = listener;
        if (current == null) {
            ReferenceCountUtil.release(msg);
            return;
        }
        current.onUpstreamMessage(msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
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
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
