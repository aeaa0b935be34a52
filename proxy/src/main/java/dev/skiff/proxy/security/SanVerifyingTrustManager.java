package dev.skiff.proxy.security;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Set;

/**
 * Verifies a peer's chain against given roots (PKIX), then requires the leaf to carry one of the expected subject
 * alternative names (URI or DNS, exact match), as Envoy's {@code match_subject_alt_names} does; Istio lists the
 * SPIFFE identities of a service's workloads there. Host names are not checked: the SANs are the identity.
 */
public final class SanVerifyingTrustManager extends X509ExtendedTrustManager {

    private final X509TrustManager roots;
    private final Set<String> expectedSans;

    /**
     * @param roots        the trusted roots
     * @param expectedSans the SANs of which the peer must carry one; empty accepts any SAN
     */
    public SanVerifyingTrustManager(List<X509Certificate> roots, List<String> expectedSans) {
        this.roots = pkix(roots);
        this.expectedSans = Set.copyOf(expectedSans);
    }

    private static X509TrustManager pkix(List<X509Certificate> roots) {
        try {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            for (int i = 0; i < roots.size(); i++) {
                store.setCertificateEntry("root-" + i, roots.get(i));
            }
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(store);
            for (TrustManager manager : factory.getTrustManagers()) {
                if (manager instanceof X509TrustManager x509) {
                    return x509;
                }
            }
            throw new IllegalStateException("no X.509 trust manager in " + factory.getAlgorithm());
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new IllegalStateException("cannot build a trust store of " + roots.size() + " root(s): "
                    + e.getMessage(), e);
        }
    }

    /** Checks the leaf's SANs against the expected ones; public for tests and for callers holding a chain. */
    public void verifySans(X509Certificate leaf) throws CertificateException {
        if (expectedSans.isEmpty()) {
            return;
        }
        List<String> sans = WorkloadCertificate.uriAndDnsSans(leaf);
        for (String san : sans) {
            if (expectedSans.contains(san)) {
                return;
            }
        }
        throw new CertificateException("peer certificate SANs " + sans + " (expected one of: "
                + expectedSans.stream().sorted().toList() + ")");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        roots.checkClientTrusted(chain, authType);
        verifySans(chain[0]);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        roots.checkServerTrusted(chain, authType);
        verifySans(chain[0]);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        checkClientTrusted(chain, authType);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        checkServerTrusted(chain, authType);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        checkClientTrusted(chain, authType);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        checkServerTrusted(chain, authType);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return roots.getAcceptedIssuers();
    }
}
