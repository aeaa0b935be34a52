package dev.skiff.proxy.transport;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;

import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A small HTTP/1.1 application for tests: answers every request with a chunked response that starts with
 * {@code <name> <uri>\n}, then echoes each request body chunk as it arrives. Reports what it saw in
 * {@code x-seen-*} headers and counts its connections. The path {@code /break} makes it send the head and one
 * chunk, then close; {@code /big/<count>} adds that many large chunks before the echo. A request with {@code Upgrade: echo} is switched to a raw byte echo.
 */
final class TestBackend implements AutoCloseable {

    /** Size of each chunk of a {@code /big/<count>} response; chunk i holds bytes {@code 'a' + (i + j) % 26}. */
    static final int BIG_CHUNK = 64 * 1024;

    private final String name;
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger requests = new AtomicInteger();
    private final Channel server;

    TestBackend(String name) {
        this.name = name;
        this.server = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        connections.incrementAndGet();
                        ch.pipeline().addLast(new HttpServerCodec(), new EchoHandler());
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", 0))
                .syncUninterruptibly()
                .channel();
    }

    InetSocketAddress address() {
        return (InetSocketAddress) server.localAddress();
    }

    int port() {
        return address().getPort();
    }

    int connections() {
        return connections.get();
    }

    int requests() {
        return requests.get();
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }

    private final class EchoHandler extends SimpleChannelInboundHandler<HttpObject> {
        private boolean keepAlive;
        private boolean breakAfterHead;

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
            if (msg instanceof HttpRequest request && "echo".equals(request.headers().get("upgrade"))) {
                requests.incrementAndGet();
                switchToEcho(ctx);
                return;
            }
            if (msg instanceof HttpRequest request) {
                requests.incrementAndGet();
                keepAlive = HttpUtil.isKeepAlive(request);
                breakAfterHead = request.uri().startsWith("/break");
                HttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
                HttpUtil.setTransferEncodingChunked(response, true);
                HttpUtil.setKeepAlive(response, keepAlive);
                response.headers().set("x-backend", name);
                copy(request, response, HttpHeaderNames.HOST.toString(), "x-seen-host");
                copy(request, response, "x-request-id", "x-seen-request-id");
                copy(request, response, "x-forwarded-proto", "x-seen-forwarded-proto");
                copy(request, response, "proxy-connection", "x-seen-proxy-connection");
                copy(request, response, "x-hop", "x-seen-hop");
                response.headers().set("x-seen-uri", request.uri());
                ctx.write(response);
                ctx.writeAndFlush(new DefaultHttpContent(
                        ByteBufUtil.writeUtf8(ctx.alloc(), name + " " + request.uri() + "\n")));
                if (request.uri().startsWith("/big/")) {
                    int chunks = Integer.parseInt(request.uri().substring("/big/".length()));
                    for (int i = 0; i < chunks; i++) {
                        byte[] pattern = new byte[BIG_CHUNK];
                        for (int j = 0; j < BIG_CHUNK; j++) {
                            pattern[j] = (byte) ('a' + (i + j) % 26);
                        }
                        ctx.write(new DefaultHttpContent(Unpooled.wrappedBuffer(pattern)));
                    }
                    ctx.flush();
                }
                if (breakAfterHead) {
                    ctx.close();
                }
                return;
            }
            if (breakAfterHead) {
                return;
            }
            if (msg instanceof HttpContent content && content.content().isReadable()) {
                ctx.writeAndFlush(new DefaultHttpContent(content.content().retain()));
            }
            if (msg instanceof LastHttpContent) {
                if (keepAlive) {
                    ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
                } else {
                    ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT).addListener(ChannelFutureListener.CLOSE);
                }
            }
        }

        private void switchToEcho(ChannelHandlerContext ctx) {
            FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                    HttpResponseStatus.SWITCHING_PROTOCOLS, Unpooled.EMPTY_BUFFER);
            response.headers().set(HttpHeaderNames.UPGRADE, "echo");
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
            ctx.writeAndFlush(response);
            ctx.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                @Override
                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                    if (msg instanceof ByteBuf bytes) {
                        ctx.writeAndFlush(bytes);
                    } else {
                        ReferenceCountUtil.release(msg);
                    }
                }
            });
            ctx.pipeline().remove(this);
            ctx.pipeline().remove(HttpServerCodec.class);
        }

        private void copy(HttpRequest request, HttpResponse response, String from, String to) {
            String value = request.headers().get(from);
            if (value != null) {
                response.headers().set(to, value);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
