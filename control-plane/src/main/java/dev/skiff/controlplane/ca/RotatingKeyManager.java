package dev.skiff.controlplane.ca;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * A TLS server key manager whose certificate can be replaced while serving: each new handshake uses the identity
 * current when it picks an alias. Every identity has its own alias, and the previous one stays readable, so a
 * handshake that picked an alias just before a rotation still gets a key and chain that belong together.
 */
final class RotatingKeyManager extends X509ExtendedKeyManager {
    private record Identity(String alias, PrivateKey key, X509Certificate[] chain) {
    }

    /** Both fields are written together under the monitor; readers take each one as one volatile read. */
    private volatile Identity current;
    private volatile Identity previous;
    private long generation;

    RotatingKeyManager(PrivateKey key, List<X509Certificate> chain) {
        update(key, chain);
    }

    synchronized void update(PrivateKey key, List<X509Certificate> chain) {
        generation++;
        Identity next = new Identity("serving-" + generation, Objects.requireNonNull(key, "key"),
                chain.toArray(X509Certificate[]::new));
        previous = current;
        current = next;
    }

    X509Certificate leaf() {
        return current.chain()[0];
    }

    private Identity lookup(String alias) {
        Identity now = current;
        if (now.alias().equals(alias)) {
            return now;
        }
        Identity before = previous;
        return before != null && before.alias().equals(alias) ? before : null;
    }

    private String aliasFor(String keyType) {
        Identity now = current;
        String algorithm = now.key().getAlgorithm();
        return keyType != null && (keyType.equals(algorithm) || keyType.startsWith(algorithm + "_"))
                ? now.alias() : null;
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        return aliasFor(keyType);
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
        return aliasFor(keyType);
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        String alias = aliasFor(keyType);
        return alias == null ? null : new String[] {alias};
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        return null;
    }

    @Override
    public String chooseClientAlias(String[] keyTypes, Principal[] issuers, Socket socket) {
        return null;
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        Identity identity = lookup(alias);
        return identity == null ? null : identity.chain().clone();
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        Identity identity = lookup(alias);
        return identity == null ? null : identity.key();
    }
}
