package dev.skiff.proxy.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Looks at the first bytes of a plain HTTP connection: the HTTP/2 connection preface selects HTTP/2 (h2c with prior
 * knowledge, each stream served by its own {@link DownstreamHttpHandler}); anything else selects HTTP/1.1. Replaces
 * itself with the chosen handlers, handing them the bytes read so far.
 */
final class ProtocolDetector extends ByteToMessageDecoder {

    static final String NAME = "protocol-detector";
    private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    private final ConnectionContext connection;

    ProtocolDetector(ConnectionContext connection) {
        this.connection = connection;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        int available = Math.min(in.readableBytes(), PREFACE.length);
        int start = in.readerIndex();
        for (int i = 0; i < available; i++) {
            if (in.getByte(start + i) != PREFACE[i]) {
                installHttp1(ctx);
                return;
            }
        }
        if (available == PREFACE.length) {
            installHttp2(ctx);
        }
    }

    private void installHttp1(ChannelHandlerContext ctx) {
        ChannelPipeline pipeline = ctx.pipeline();
        pipeline.addAfter(ctx.name(), DownstreamHttpHandler.CODEC_NAME, DownstreamInitializer.newServerCodec());
        pipeline.addAfter(DownstreamHttpHandler.CODEC_NAME, DownstreamHttpHandler.HANDLER_NAME,
                new DownstreamHttpHandler(connection, false));
        pipeline.remove(this);
    }

    private void installHttp2(ChannelHandlerContext ctx) {
        ChannelPipeline pipeline = ctx.pipeline();
        pipeline.addAfter(ctx.name(), "h2-codec", Http2FrameCodecBuilder.forServer().build());
        pipeline.addAfter("h2-codec", "h2-streams", new Http2MultiplexHandler(
                new ChannelInitializer<Http2StreamChannel>() {
                    @Override
                    protected void initChannel(Http2StreamChannel stream) {
                        stream.pipeline().addLast(new Http2StreamFrameToHttpObjectCodec(true),
                                new DownstreamHttpHandler(connection, true));
                    }
                }));
        pipeline.addAfter("h2-streams", Http2DrainHandler.NAME, new Http2DrainHandler());
        pipeline.remove(this);
    }
}
