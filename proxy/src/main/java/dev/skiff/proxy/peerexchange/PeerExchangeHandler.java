package dev.skiff.proxy.peerexchange;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Runs the exchange on one connection: writes this sidecar's preface when added, then takes the peer's preface off
 * the incoming bytes and hands the peer's metadata to its owner before it passes on anything else. Bytes that do
 * not start with a valid preface (wrong magic, a length above {@link PeerExchange#MAX_DATA_BYTES}, data that is not
 * a serialized {@code Any}) are passed on as they came and the peer stays unknown, as Istio's filter does, with a
 * warning. The handler leaves the pipeline once it has decided.
 */
public final class PeerExchangeHandler extends ChannelInboundHandlerAdapter {

    /** The handler's name in a pipeline. */
    public static final String NAME = "peer-exchange";

    private static final Logger LOG = LoggerFactory.getLogger(PeerExchangeHandler.class);

    private final PeerExchange local;
    private final Consumer<String> onPeer;
    private ByteBuf received;
    private boolean decided;

    /**
     * @param local  this sidecar's preface
     * @param onPeer told the peer's metadata (empty when the peer sent none that could be read), on the channel's
     *               event loop, with reading paused, before the bytes after the preface are passed on
     */
    public PeerExchangeHandler(PeerExchange local, Consumer<String> onPeer) {
        this.local = local;
        this.onPeer = onPeer;
    }

    /**
     * Whether a connection exchanges metadata: its TLS handshake succeeded and negotiated
     * {@value PeerExchange#PROTOCOL}.
     */
    public static boolean negotiated(SslHandler tls) {
        return tls != null && tls.handshakeFuture().isSuccess()
                && PeerExchange.PROTOCOL.equals(tls.applicationProtocol());
    }

    /**
     * Runs the exchange on an upstream connection that negotiated it, then hands the connection to
     * {@code onExchanged} with the peer's metadata kept on it ({@link PeerExchange#peerOf(Channel)}). A connection
     * that closes before the peer's preface came, or whose preface does not come within {@code timeoutMillis}, is
     * closed and reported to {@code onFailure}.
     */
    public static void upstream(Channel upstream, PeerExchange local, long timeoutMillis,
                                Consumer<Channel> onExchanged, Consumer<Throwable> onFailure) {
        ScheduledFuture<?> deadline = upstream.eventLoop().schedule(() -> {
            LOG.warn("{}: no peer metadata from {} within {} ms; connection closed", PeerExchange.PROTOCOL,
                    upstream.remoteAddress(), timeoutMillis);
            upstream.close();
        }, timeoutMillis, TimeUnit.MILLISECONDS);
        ChannelFutureListener closed = future -> {
            deadline.cancel(false);
            onFailure.accept(new IOException(PeerExchange.PROTOCOL
                    + ": connection closed before the peer's metadata arrived"));
        };
        upstream.closeFuture().addListener(closed);
        upstream.pipeline().addLast(NAME, new PeerExchangeHandler(local, peer -> {
            deadline.cancel(false);
            upstream.closeFuture().removeListener(closed);
            PeerExchange.peerOf(upstream, peer);
            onExchanged.accept(upstream);
        }));
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        ctx.writeAndFlush(local.preface(), ctx.voidPromise());
        ctx.channel().config().setAutoRead(true);
        ctx.read();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (decided || !(msg instanceof ByteBuf bytes)) {
            ctx.fireChannelRead(msg);
            return;
        }
        received = received == null ? bytes : ByteToMessageDecoder.MERGE_CUMULATOR.cumulate(ctx.alloc(), received,
                bytes);
        if (received.readableBytes() < PeerExchange.HEADER_BYTES) {
            return;
        }
        int start = received.readerIndex();
        int magic = received.getInt(start);
        if (magic != PeerExchange.MAGIC) {
            reject(ctx, "magic 0x" + Integer.toHexString(magic) + " (expected: 0x"
                    + Integer.toHexString(PeerExchange.MAGIC) + ")");
            return;
        }
        long length = received.getUnsignedInt(start + 4);
        if (length > PeerExchange.MAX_DATA_BYTES) {
            reject(ctx, "metadata length " + length + " (expected: at most " + PeerExchange.MAX_DATA_BYTES + ")");
            return;
        }
        if (received.readableBytes() < PeerExchange.HEADER_BYTES + length) {
            return;
        }
        byte[] data = new byte[(int) length];
        received.getBytes(start + PeerExchange.HEADER_BYTES, data);
        String peer;
        try {
            peer = PeerExchange.peerMetadata(data);
        } catch (IllegalArgumentException e) {
            reject(ctx, e.getMessage());
            return;
        }
        received.skipBytes(PeerExchange.HEADER_BYTES + data.length);
        decide(ctx, peer);
    }

    private void reject(ChannelHandlerContext ctx, String reason) {
        LOG.warn("{}: unreadable peer metadata from {}: {}; the peer stays unknown and the bytes are relayed as they"
                + " came", PeerExchange.PROTOCOL, ctx.channel().remoteAddress(), reason);
        decide(ctx, "");
    }

    private void decide(ChannelHandlerContext ctx, String peer) {
        decided = true;
        ctx.channel().config().setAutoRead(false);
        ByteBuf rest = received;
        received = null;
        onPeer.accept(peer);
        ctx.pipeline().remove(this);
        if (rest.isReadable()) {
            ctx.fireChannelRead(rest);
            ctx.fireChannelReadComplete();
        } else {
            rest.release();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (decided) {
            ctx.fireChannelReadComplete();
        }
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (received != null) {
            ReferenceCountUtil.release(received);
            received = null;
        }
    }
}
