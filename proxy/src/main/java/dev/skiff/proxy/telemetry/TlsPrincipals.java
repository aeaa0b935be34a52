package dev.skiff.proxy.telemetry;

import dev.skiff.proxy.security.TlsContexts;
import io.netty.channel.Channel;

import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import java.security.cert.Certificate;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;

/**
 * The SPIFFE identities of a connection's TLS session, as Istio's {@code source_principal} and
 * {@code destination_principal} labels give them ({@code spiffe://cluster.local/ns/default/sa/reviews}). Read once
 * per connection, after its handshake, and kept on the connection with its {@link ConnectionDetails}.
 *
 * @param peer  the other end's identity: on a downstream connection the client's, empty when it presented no
 *              certificate (plaintext or one-way TLS); on an upstream connection the server's
 * @param local this proxy's identity on that connection, empty when it presented no certificate
 */
public record TlsPrincipals(String peer, String local) {

    /** No mutual TLS. */
    public static final TlsPrincipals NONE = new TlsPrincipals("", "");

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
        return ConnectionDetails.of(channel).principals();
    }

    static TlsPrincipals of(SSLSession session) {
        String peer;
        try {
            peer = spiffeId(session.getPeerCertificates());
        } catch (SSLPeerUnverifiedException e) {
            peer = "";
        }
        Certificate[] local = session.getLocalCertificates();
        if ((local == null || local.length == 0)
                && session.getValue(TlsContexts.WORKLOAD_CHAIN) instanceof Certificate[] kept) {
            local = kept;
        }
        return new TlsPrincipals(peer, spiffeId(local));
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
