package dev.skiff.proxy.transport;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.DefaultHttp2GoAwayFrame;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2ConnectionAdapter;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2Stream;

/**
 * Ends an HTTP/2 connection gracefully when it drains, as Envoy does: a GOAWAY (NO_ERROR, naming the last stream
 * the client opened) tells the client to open no more streams here, the streams in flight are served to their end
 * under the chain that accepted them, and the connection closes once none is left. Sits after the multiplexer on
 * the connection's pipeline; what the drain time bounds is closed by the listener.
 */
final class Http2DrainHandler extends ChannelInboundHandlerAdapter {

    static final String NAME = "h2-drain";

    private boolean draining;

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt != DrainEvent.INSTANCE) {
            ctx.fireUserEventTriggered(evt);
            return;
        }
        if (draining) {
            return;
        }
        draining = true;
        Http2FrameCodec codec = ctx.pipeline().get(Http2FrameCodec.class);
        if (codec == null) {
            ctx.close();
            return;
        }
        Http2Connection connection = codec.connection();
        if (connection.numActiveStreams() == 0) {
            ctx.writeAndFlush(new DefaultHttp2GoAwayFrame(Http2Error.NO_ERROR))
                    .addListener(ChannelFutureListener.CLOSE);
            return;
        }
        connection.addListener(new Http2ConnectionAdapter() {
            @Override
            public void onStreamClosed(Http2Stream stream) {
                if (connection.numActiveStreams() == 0) {
                    ctx.channel().eventLoop().execute(() -> ctx.flush().close());
                }
            }
        });
        ctx.writeAndFlush(new DefaultHttp2GoAwayFrame(Http2Error.NO_ERROR));
    }
}
