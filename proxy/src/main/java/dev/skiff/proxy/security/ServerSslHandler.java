package dev.skiff.proxy.security;

import dev.skiff.proxy.sni.ClientHelloParser;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.SslHandler;

import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import java.util.List;

/**
 * The TLS handler of a connection this proxy accepts. It reads the server name of the ClientHello itself, as
 * Envoy's TLS inspector does, before the engine sees it, so that the name is known whatever its characters: Istio's
 * {@code outbound_.9080_._.reviews.default.svc.cluster.local} has underscores, which Java's {@code SNIHostName}
 * refuses (so the engine's own view of the name would fail or be empty). The engine gets the bytes once the whole
 * ClientHello is there (it can do nothing with less), so a hello split across several records is read whole.
 */
public final class ServerSslHandler extends SslHandler {

    private boolean helloRead;
    private String serverName;

    ServerSslHandler(SSLEngine engine) {
        super(engine);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws SSLException {
        if (!helloRead) {
            ClientHelloParser.Result hello = ClientHelloParser.parse(in);
            if (hello instanceof ClientHelloParser.NeedMore) {
                return;
            }
            helloRead = true;
            if (hello instanceof ClientHelloParser.ClientHello clientHello && !clientHello.serverName().isEmpty()) {
                serverName = clientHello.serverName();
            }
        }
        super.decode(ctx, in, out);
    }

    /**
     * The SNI host name of the connection's TLS handshake, null when none: the ClientHello's for a connection this
     * proxy accepted, the one the engine sent for a connection it made.
     */
    public static String requestedServerName(SslHandler ssl) {
        if (ssl instanceof ServerSslHandler server) {
            return server.serverName;
        }
        if (ssl.engine().getSession() instanceof ExtendedSSLSession extended) {
            try {
                for (SNIServerName name : extended.getRequestedServerNames()) {
                    if (name instanceof SNIHostName host) {
                        return host.getAsciiName();
                    }
                }
            } catch (IllegalArgumentException e) {
                return null;
            }
        }
        return null;
    }
}
