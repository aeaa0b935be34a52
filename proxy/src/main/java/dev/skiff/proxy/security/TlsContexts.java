package dev.skiff.proxy.security;

import dev.skiff.proxy.model.DownstreamTlsSpec;
import dev.skiff.proxy.model.UpstreamTlsSpec;
import dev.skiff.proxy.transport.DownstreamTlsFactory;
import dev.skiff.proxy.upstream.UpstreamTlsFactory;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.ReferenceCountedOpenSslEngine;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.internal.tcnative.SSL;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.StandardConstants;
import javax.net.ssl.SSLException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The SDS secrets of the proxy ({@code default} and {@code ROOTCA} from the agent's workload certificate,
 * {@code file-cert:CERT~KEY} and {@code file-root:CA} from files) turned into TLS contexts for the data plane. The
 * contexts of one certificate generation are built once per TLS spec and shared; {@link #update} starts a new
 * generation atomically, so new connections use the new certificate while open ones keep theirs and nothing is
 * dropped. TLS runs on BoringSSL (netty-tcnative) when it loads, on the JDK provider otherwise; which one is decided
 * when the first context is built, so a proxy that never speaks TLS loads neither.
 */
public final class TlsContexts implements UpstreamTlsFactory, DownstreamTlsFactory {

    private record Generation(WorkloadCertificate certificate, ConcurrentHashMap<Object, SslContext> contexts) {
    }

    private record KeyMaterial(PrivateKey key, List<X509Certificate> chain) {
    }

    private static final Logger LOG = LoggerFactory.getLogger(TlsContexts.class);
    private static final String JDK_SERVER_DISABLED_EXTENSIONS = "jdk.tls.server.disableExtensions";

    /** The provider the default constructor picks; loading BoringSSL costs time and memory, so only on first use. */
    private static final class DefaultProvider {
        static final SslProvider VALUE = OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
    }

    /**
     * The JDK's TLS server refuses a ClientHello whose SNI is not a host name by its rules (Istio's SNI has
     * underscores) with an {@code illegal_parameter} alert; told to ignore the extension, it leaves the name to
     * {@link ServerSslHandler}. The JDK reads this once, when its first TLS server starts, so it is set as soon as the
     * proxy's TLS is set up; names an operator disabled already are kept.
     */
    static {
        String disabled = System.getProperty(JDK_SERVER_DISABLED_EXTENSIONS, "").strip();
        if (!List.of(disabled.split("\\s*,\\s*")).contains("server_name")) {
            System.setProperty(JDK_SERVER_DISABLED_EXTENSIONS, disabled.isEmpty() ? "server_name"
                    : disabled + ",server_name");
        }
    }

    private final SslProvider provider;
    private final AtomicReference<Generation> generation =
            new AtomicReference<>(new Generation(null, new ConcurrentHashMap<>()));

    /** Contexts on BoringSSL when it loads, on the JDK provider otherwise. */
    public TlsContexts() {
        this.provider = null;
    }

    public TlsContexts(SslProvider provider) {
        this.provider = Objects.requireNonNull(provider, "provider: null (expected: a TLS provider)");
    }

    /** The TLS implementation in use (with the default constructor, decided on the first call). */
    public SslProvider provider() {
        return provider != null ? provider : DefaultProvider.VALUE;
    }

    /**
     * Publishes a new workload certificate: connections made from now on present it. The contexts the previous
     * certificate had served are built for the new one first, on the caller's thread, so that event loops do not
     * build them on the next connection.
     */
    public void update(WorkloadCertificate certificate) {
        Generation previous = generation.get();
        Generation next = new Generation(certificate, new ConcurrentHashMap<>());
        for (Object spec : previous.contexts().keySet()) {
            try {
                next.contexts().put(spec, spec instanceof UpstreamTlsSpec upstream ? client(next, upstream)
                        : server(next, (DownstreamTlsSpec) spec));
            } catch (IllegalStateException e) {
                LOG.warn("TLS context not prepared for the new certificate, it is built on first use: {}",
                        e.getMessage());
            }
        }
        generation.set(next);
    }

    /** The workload certificate in force, or null before the first one. */
    public WorkloadCertificate certificate() {
        return generation.get().certificate();
    }

    /**
     * The session value under which an upstream connection with the workload certificate keeps that certificate's
     * chain: a resumed TLS session exchanges no certificates, so the session itself has no local chain, yet the
     * server authenticated this identity when the session was made.
     */
    public static final String WORKLOAD_CHAIN = "dev.skiff.workload-chain";

    @Override
    public SslHandler newHandler(UpstreamTlsSpec spec, ByteBufAllocator alloc, InetSocketAddress peer) {
        Generation current = generation.get();
        SslContext context = current.contexts().computeIfAbsent(spec, key -> client(current, spec));
        if (spec.sni().isEmpty()) {
            return keepWorkloadChain(context.newHandler(alloc), current, spec);
        }
        SslHandler handler = keepWorkloadChain(context.newHandler(alloc, spec.sni(), peer.getPort()), current, spec);
        if (!isJavaHostName(spec.sni())) {
            if (handler.engine() instanceof ReferenceCountedOpenSslEngine engine) {
                SSL.setTlsExtHostName(engine.sslPointer(), spec.sni());
            } else {
                SSLParameters parameters = handler.engine().getSSLParameters();
                parameters.setServerNames(List.of(new RawHostName(spec.sni())));
                handler.engine().setSSLParameters(parameters);
            }
        }
        return handler;
    }

    /** Puts the workload certificate's chain on the session ({@link #WORKLOAD_CHAIN}) once the handshake is done. */
    private static SslHandler keepWorkloadChain(SslHandler handler, Generation current, UpstreamTlsSpec spec) {
        WorkloadCertificate certificate = current.certificate();
        if (certificate != null && spec.certificateSecret().equals(SecretNames.DEFAULT)) {
            X509Certificate[] chain = certificate.chain().toArray(X509Certificate[]::new);
            handler.handshakeFuture().addListener(handshake -> {
                if (handshake.isSuccess()) {
                    handler.engine().getSession().putValue(WORKLOAD_CHAIN, chain);
                }
            });
        }
        return handler;
    }

    /**
     * A host name sent as it is written. The JDK's {@code SNIHostName} refuses names with characters other than
     * letters, digits, hyphens and dots, such as Istio's {@code outbound_.<port>_.<subset>_.<host>}; the JDK's
     * client sends the bytes of any name of the {@code host_name} type, so this one carries such names.
     */
    private static final class RawHostName extends SNIServerName {
        RawHostName(String name) {
            super(StandardConstants.SNI_HOST_NAME, name.getBytes(StandardCharsets.US_ASCII));
        }
    }

    /**
     * Whether Java's {@code SNIHostName} accepts the name: Netty sends only such names itself, so others (Istio's,
     * with underscores) are set on the engine here.
     */
    private static boolean isJavaHostName(String name) {
        try {
            new SNIHostName(name);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    @Override
    public SslHandler newHandler(DownstreamTlsSpec spec, ByteBufAllocator alloc) {
        Generation current = generation.get();
        return new ServerSslHandler(current.contexts().computeIfAbsent(spec, key -> server(current, spec))
                .newEngine(alloc));
    }

    private SslContext client(Generation current, UpstreamTlsSpec spec) {
        SslContextBuilder builder = SslContextBuilder.forClient()
                .sslProvider(provider())
                .endpointIdentificationAlgorithm(null);
        if (!spec.certificateSecret().isEmpty()) {
            KeyMaterial material = keyMaterial(current, spec.certificateSecret());
            builder.keyManager(material.key(), material.chain());
        }
        if (spec.insecureSkipVerify() || spec.validationSecret().isEmpty()) {
            builder.trustManager(InsecureTrustManagerFactory.INSTANCE);
        } else {
            builder.trustManager(new SanVerifyingTrustManager(roots(current, spec.validationSecret()),
                    spec.subjectAltNames()));
        }
        if (!spec.alpn().isEmpty()) {
            builder.applicationProtocolConfig(alpn(spec.alpn()));
        }
        return build(builder, "upstream TLS with secrets '" + spec.certificateSecret() + "'/'"
                + spec.validationSecret() + "'");
    }

    private SslContext server(Generation current, DownstreamTlsSpec spec) {
        KeyMaterial material = keyMaterial(current, spec.certificateSecret());
        SslContextBuilder builder = SslContextBuilder.forServer(material.key(), material.chain())
                .sslProvider(provider());
        if (!spec.validationSecret().isEmpty()) {
            builder.trustManager(new SanVerifyingTrustManager(roots(current, spec.validationSecret()),
                    spec.subjectAltNames()));
            builder.clientAuth(spec.requireClientCertificate() ? ClientAuth.REQUIRE : ClientAuth.OPTIONAL);
        }
        if (!spec.alpn().isEmpty()) {
            builder.applicationProtocolConfig(alpn(spec.alpn()));
        }
        return build(builder, "downstream TLS with secret '" + spec.certificateSecret() + "'");
    }

    private static ApplicationProtocolConfig alpn(List<String> protocols) {
        return new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, protocols);
    }

    private static SslContext build(SslContextBuilder builder, String what) {
        try {
            return builder.build();
        } catch (SSLException | IllegalArgumentException e) {
            throw new IllegalStateException(what + ": cannot build the TLS context: " + e.getMessage(), e);
        }
    }

    private static KeyMaterial keyMaterial(Generation current, String name) {
        if (name.equals(SecretNames.DEFAULT)) {
            WorkloadCertificate certificate = requireCertificate(current, name);
            return new KeyMaterial(certificate.key(), certificate.chain());
        }
        if (name.startsWith(SecretNames.FILE_CERT_PREFIX)) {
            String files = name.substring(SecretNames.FILE_CERT_PREFIX.length());
            int tilde = files.indexOf('~');
            if (tilde <= 0 || tilde == files.length() - 1) {
                throw new IllegalStateException("SDS secret '" + name + "' (expected: file-cert:CERT~KEY)");
            }
            try {
                return new KeyMaterial(Pem.privateKey(Path.of(files.substring(tilde + 1))),
                        Pem.certificates(Path.of(files.substring(0, tilde))));
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException("SDS secret '" + name + "': " + e.getMessage(), e);
            }
        }
        throw new IllegalStateException("SDS secret '" + name + "' is not a certificate this proxy provides"
                + " (expected: default or file-cert:CERT~KEY)");
    }

    private static List<X509Certificate> roots(Generation current, String name) {
        if (name.equals(SecretNames.ROOTCA)) {
            return requireCertificate(current, name).roots();
        }
        if (name.startsWith(SecretNames.FILE_ROOT_PREFIX)) {
            try {
                return Pem.certificates(Path.of(name.substring(SecretNames.FILE_ROOT_PREFIX.length())));
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException("SDS secret '" + name + "': " + e.getMessage(), e);
            }
        }
        throw new IllegalStateException("SDS secret '" + name + "' is not a validation context this proxy provides"
                + " (expected: ROOTCA or file-root:CA)");
    }

    private static WorkloadCertificate requireCertificate(Generation current, String name) {
        if (current.certificate() == null) {
            throw new IllegalStateException("SDS secret '" + name + "' is not available (expected: the workload"
                    + " certificate the agent obtains from the CA when the proxy runs with --token-file)");
        }
        return current.certificate();
    }
}
