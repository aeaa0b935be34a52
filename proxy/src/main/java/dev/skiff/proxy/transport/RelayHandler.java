package dev.skiff.proxy.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.ReferenceCountUtil;

/**
 * Copies raw bytes from its channel to a peer channel on the same event loop. Reading stops while the peer cannot
 * take more and resumes when it can. A side that finishes sending (half-close) is passed on as a shutdown of the
 * peer's output; once both sides finished, or either side closes, both are flushed and closed.
 */
final class RelayHandler extends ChannelInboundHandlerAdapter {

    private final Channel peer;
    private final TunnelCompletion completion;
    private final boolean downstreamSide;

    /**
     * @param peer           where bytes read from this handler's channel go
     * @param completion     reported when the tunnel ends
     * @param downstreamSide whether this handler's channel is the downstream (client) side
     */
    RelayHandler(Channel peer, TunnelCompletion completion, boolean downstreamSide) {
        this.peer = peer;
        this.completion = completion;
        this.downstreamSide = downstreamSide;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        if (!ctx.channel().isActive()) {
            peer.close();
            return;
        }
        ctx.channel().config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
        if (peer.isWritable()) {
            ctx.channel().config().setAutoRead(true);
            ctx.read();
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf bytes;
        if (msg instanceof ByteBuf buf) {
            bytes = buf;
        } else if (msg instanceof ByteBufHolder holder) {
            bytes = holder.content().retain();
            ReferenceCountUtil.release(msg);
        } else {
            ReferenceCountUtil.release(msg);
            return;
        }
        int readable = bytes.readableBytes();
        if (readable == 0) {
            bytes.release();
            return;
        }
        if (downstreamSide) {
            completion.context().addBytesReceived(readable);
        } else {
            completion.context().addBytesSent(readable);
        }
        peer.write(bytes, peer.voidPromise());
        if (!peer.isWritable()) {
            ctx.channel().config().setAutoRead(false);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        peer.flush();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            peer.config().setAutoRead(true);
            peer.read();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            if (completion.inputShutdown() || !(peer instanceof DuplexChannel duplex)) {
                closeAfterFlush(peer);
                closeAfterFlush(ctx.channel());
            } else {
                peer.writeAndFlush(Unpooled.EMPTY_BUFFER)
                        .addListener((ChannelFutureListener) future -> duplex.shutdownOutput());
            }
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    private static void closeAfterFlush(Channel channel) {
        if (channel.isActive()) {
            channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closeAfterFlush(peer);
        completion.complete();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
