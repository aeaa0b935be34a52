package dev.skiff.controlplane.ca;

import java.security.cert.X509Certificate;
import java.util.List;

/**
 * A certificate the CA issued, with the chain that leads to the root.
 *
 * @param chain the leaf first, then the intermediates (the CA's own signing certificate among them when it is not
 *              the root), the root last
 */
public record IssuedCertificate(List<X509Certificate> chain) {
    public IssuedCertificate {
        chain = List.copyOf(chain);
        if (chain.size() < 2) {
            throw new IllegalArgumentException("chain of " + chain.size() + " certificates (expected: leaf and root)");
        }
    }

    public X509Certificate leaf() {
        return chain.getFirst();
    }

    /** One PEM block per certificate, in chain order (the shape of Istio's {@code cert_chain}). */
    public List<String> pemChain() {
        return chain.stream().map(Pem::encode).toList();
    }
}
