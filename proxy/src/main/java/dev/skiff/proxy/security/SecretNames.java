package dev.skiff.proxy.security;

/** The SDS secret names the agent provides, as Istio's agent names them. */
public final class SecretNames {

    /** The workload's certificate chain and private key. */
    public static final String DEFAULT = "default";
    /** The mesh's trusted roots. */
    public static final String ROOTCA = "ROOTCA";
    /** {@code file-cert:CERT~KEY}: a certificate chain and key read from files (DestinationRule MUTUAL). */
    public static final String FILE_CERT_PREFIX = "file-cert:";
    /** {@code file-root:CA}: trusted roots read from a file (DestinationRule caCertificates). */
    public static final String FILE_ROOT_PREFIX = "file-root:";

    private SecretNames() {
    }
}
