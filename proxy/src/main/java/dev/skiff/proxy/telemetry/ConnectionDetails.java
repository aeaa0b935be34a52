package dev.skiff.proxy.telemetry;

import dev.skiff.proxy.security.ServerSslHandler;
import io.netty.channel.Channel;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.Attribute;
import io.netty.util.AttributeKey;

import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.util.function.Consumer;

/**
 * What the access log and the metrics report about one connection, downstream or upstream, resolved once per
 * connection and kept on it: every request it carries refers to the same instance.
 *
 * @param localAddress this proxy's end of the connection as Envoy prints an address ({@code 127.0.0.1:15006},
 *                     {@code [::1]:80}), null when unknown
 * @param serverName   the SNI of the TLS handshake the connection made (the client's, for a connection this proxy
 *                     accepted), null without TLS or SNI
 * @param principals   the SPIFFE identities of the connection's TLS session: on a downstream connection the client's
 *                     and this proxy's, on an upstream connection the server's ({@code peer}) and this proxy's
 *                     ({@code local}, empty unless it presented a certificate)
 */
public record ConnectionDetails(String localAddress, String serverName, TlsPrincipals principals) {

    /** Nothing known: no connection was made. */
    public static final ConnectionDetails NONE = new ConnectionDetails(null, null, TlsPrincipals.NONE);

    private static final AttributeKey<ConnectionDetails> KEY =
            AttributeKey.valueOf(ConnectionDetails.class, "details");

    /**
     * The details of the connection carrying {@code channel} (for an HTTP/2 stream, its connection). Resolved on the
     * first call after the TLS handshake (or at once without TLS) and kept; during a handshake they are resolved
     * without the TLS parts and not kept.
     */
    public static ConnectionDetails of(Channel channel) {
        Channel connection = channel instanceof Http2StreamChannel stream ? stream.parent() : channel;
        Attribute<ConnectionDetails> attribute = connection.attr(KEY);
        ConnectionDetails known = attribute.get();
        if (known != null) {
            return known;
        }
        String local = connection.localAddress() instanceof InetSocketAddress address ? text(address) : null;
        SslHandler ssl = connection.pipeline().get(SslHandler.class);
        if (ssl != null && !ssl.handshakeFuture().isSuccess()) {
            return new ConnectionDetails(local, null, TlsPrincipals.NONE);
        }
        ConnectionDetails resolved = ssl == null
                ? new ConnectionDetails(local, null, TlsPrincipals.NONE)
                : new ConnectionDetails(local, ServerSslHandler.requestedServerName(ssl),
                TlsPrincipals.of(ssl.engine().getSession()));
        attribute.set(resolved);
        return resolved;
    }

    /**
     * Hands the connection's details to {@code sink} once they are complete: at once without TLS or after the
     * handshake, else when the handshake succeeds (on the connection's event loop). A failed handshake hands nothing.
     */
    public static void whenKnown(Channel channel, Consumer<ConnectionDetails> sink) {
        SslHandler ssl = channel.pipeline().get(SslHandler.class);
        if (ssl == null || ssl.handshakeFuture().isDone()) {
            sink.accept(of(channel));
            return;
        }
        ssl.handshakeFuture().addListener(handshake -> {
            if (handshake.isSuccess()) {
                sink.accept(of(channel));
            }
        });
    }

    /** The principals when this proxy proved its own identity on the connection (mutual TLS), else null. */
    public TlsPrincipals mutualPrincipals() {
        return principals.local().isEmpty() || principals.peer().isEmpty() ? null : principals;
    }

    /** An address as Envoy prints it: {@code host:port}, an IPv6 host in brackets. */
    public static String text(InetSocketAddress address) {
        String host = address.getAddress() == null ? address.getHostString() : address.getAddress().getHostAddress();
        return address.getAddress() instanceof Inet6Address ? "[" + host + "]:" + address.getPort()
                : host + ":" + address.getPort();
    }
}
