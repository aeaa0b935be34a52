package dev.skiff.proxy.telemetry;

import io.netty.channel.Channel;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.Attribute;
import io.netty.util.AttributeKey;

import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import java.security.cert.Certificate;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;

/**
 * The SPIFFE identities of a downstream connection's mutual TLS session, as Istio's {@code source_principal} and
 * {@code destination_principal} labels give them ({@code spiffe://cluster.local/ns/default/sa/reviews}). Read once
 * per connection, after its handshake, and kept on the connection.
 *
 * @param peer  the client's identity, empty when the client presented no certificate (plaintext or one-way TLS)
 * @param local this proxy's identity on that connection, empty without TLS
 */
public record TlsPrincipals(String peer, String local) {

    /** No mutual TLS. */
    public static final TlsPrincipals NONE = new TlsPrincipals("", "");

    private static final AttributeKey<TlsPrincipals> KEY = AttributeKey.valueOf(TlsPrincipals.class, "principals");
    private static final int URI_NAME = 6;
    private static final String SPIFFE = "spiffe://";

    /** Whether the client proved an identity with a certificate. */
    public boolean mutual() {
        return !peer.isEmpty();
    }

    /**
     * The principals of the connection carrying {@code channel} (for an HTTP/2 stream, its connection);
     * {@link #NONE} for plaintext and while a handshake is still going on.
     */
    public static TlsPrincipals of(Channel channel) {
        Channel connection = channel instanceof Http2StreamChannel stream ? stream.parent() : channel;
        Attribute<TlsPrincipals> attribute = connection.attr(KEY);
        TlsPrincipals known = attribute.get();
        if (known != null) {
            return known;
        }
        SslHandler ssl = connection.pipeline().get(SslHandler.class);
        if (ssl == null) {
            attribute.set(NONE);
            return NONE;
        }
        if (!ssl.handshakeFuture().isSuccess()) {
            return NONE;
        }
        TlsPrincipals principals = of(ssl.engine().getSession());
        attribute.set(principals);
        return principals;
    }

    static TlsPrincipals of(SSLSession session) {
        String peer;
        try {
            peer = spiffeId(session.getPeerCertificates());
        } catch (SSLPeerUnverifiedException e) {
            peer = "";
        }
        return new TlsPrincipals(peer, spiffeId(session.getLocalCertificates()));
    }

    /** The first {@code spiffe://} URI SAN of a chain's leaf; {@code unknown} for a leaf without one. */
    static String spiffeId(Certificate[] chain) {
        if (chain == null || chain.length == 0) {
            return "";
        }
        if (chain[0] instanceof X509Certificate leaf) {
            try {
                Collection<List<?>> names = leaf.getSubjectAlternativeNames();
                if (names != null) {
                    for (List<?> name : names) {
                        if (name.size() == 2 && Integer.valueOf(URI_NAME).equals(name.get(0))
                                && name.get(1) instanceof String uri && uri.startsWith(SPIFFE)) {
                            return uri;
                        }
                    }
                }
            } catch (CertificateParsingException e) {
                return WorkloadMetadata.UNKNOWN;
            }
        }
        return WorkloadMetadata.UNKNOWN;
    }
}
