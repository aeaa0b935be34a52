package dev.skiff.proxy.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.ssl.SslHandler;

import java.util.List;

/**
 * Tells a TLS connection from a plaintext one by its first bytes (a TLS record header), as Envoy's TLS inspector
 * does, so that one port can serve both (PeerAuthentication PERMISSIVE). Hands the decision to a callback that
 * installs the chain's handlers after this one, then removes itself, passing on the bytes read so far.
 */
final class TransportProtocolDetector extends ByteToMessageDecoder {

    static final String NAME = "transport-protocol-detector";
    private static final int RECORD_HEADER = 5;

    /** Installs the handlers of the chain for the detected transport protocol. */
    interface Selector {
        /**
         * @param tls whether the connection starts with a TLS record
         * @return false when no chain serves that transport protocol: the connection is closed
         */
        boolean select(ChannelHandlerContext ctx, boolean tls);
    }

    private final Selector selector;

    TransportProtocolDetector(Selector selector) {
        this.selector = selector;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (in.readableBytes() < 1) {
            return;
        }
        boolean tls;
        if (in.getUnsignedByte(in.readerIndex()) != 0x16) {
            tls = false;
        } else if (in.readableBytes() < RECORD_HEADER) {
            return;
        } else {
            tls = SslHandler.isEncrypted(in, false);
        }
        if (!selector.select(ctx, tls)) {
            in.skipBytes(in.readableBytes());
            ctx.close();
            return;
        }
        ctx.pipeline().remove(this);
    }
}
