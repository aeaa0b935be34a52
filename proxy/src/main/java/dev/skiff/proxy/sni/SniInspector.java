package dev.skiff.proxy.sni;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Envoy's TLS inspector for one connection: waits for the ClientHello, reads its server name without consuming
 * anything, hands the transport protocol ({@code tls} or {@code raw_buffer}) and the server name to a selector that
 * installs the chosen chain's handlers after this one, then removes itself, passing every byte read on untouched.
 * A connection that is not TLS, or whose hello is malformed, is selected as {@code raw_buffer} without a server
 * name; one whose hello is too large, or that sends no complete hello within the timeout, is closed.
 */
public final class SniInspector extends ByteToMessageDecoder {

    /** The handler's name in the pipeline. */
    public static final String NAME = "sni-inspector";
    /** How long a connection may take to send its ClientHello: Envoy's default listener filter timeout. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(15);

    private static final Logger LOG = LoggerFactory.getLogger(SniInspector.class);
    private static final String TLS = "tls";
    private static final String RAW_BUFFER = "raw_buffer";

    /** Installs the handlers of the chain that serves the connection. */
    @FunctionalInterface
    public interface Selector {
        /**
         * @param transportProtocol {@code tls} or {@code raw_buffer}
         * @param serverName        the ClientHello's server name, lower case, or empty when there is none
         * @return false when no chain serves the connection: it is closed
         */
        boolean select(ChannelHandlerContext ctx, String transportProtocol, String serverName);
    }

    private final Duration timeout;
    private final Selector selector;
    private ScheduledFuture<?> deadline;

    public SniInspector(Duration timeout, Selector selector) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("SNI inspection timeout " + timeout + " (expected: > 0)");
        }
        this.timeout = timeout;
        this.selector = selector;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        deadline = ctx.executor().schedule(() -> {
            LOG.debug("connection from {}: no ClientHello within {}, closing", ctx.channel().remoteAddress(),
                    timeout);
            ctx.close();
        }, timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) {
        if (deadline != null) {
            deadline.cancel(false);
        }
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        String transportProtocol;
        String serverName;
        switch (ClientHelloParser.parse(in)) {
            case ClientHelloParser.NeedMore needMore -> {
                return;
            }
            case ClientHelloParser.TooLarge tooLarge -> {
                LOG.debug("connection from {}: ClientHello too large, closing", ctx.channel().remoteAddress());
                close(ctx, in);
                return;
            }
            case ClientHelloParser.NotTls notTls -> {
                LOG.debug("connection from {}: not TLS: {}", ctx.channel().remoteAddress(), notTls.reason());
                transportProtocol = RAW_BUFFER;
                serverName = "";
            }
            case ClientHelloParser.ClientHello hello -> {
                transportProtocol = TLS;
                serverName = hello.serverName();
            }
        }
        if (!selector.select(ctx, transportProtocol, serverName)) {
            close(ctx, in);
            return;
        }
        ctx.pipeline().remove(this);
    }

    @Override
    protected void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        in.skipBytes(in.readableBytes());
    }

    private static void close(ChannelHandlerContext ctx, ByteBuf in) {
        in.skipBytes(in.readableBytes());
        ctx.close();
    }
}
