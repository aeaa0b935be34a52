package dev.skiff.e2e.backend;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;

/**
 * A TLS backend for end-to-end tests, running in the test's JVM: it terminates TLS with a self-signed certificate
 * for one host name and answers each line a client sends with {@code <name> <sni> <line>}, where {@code sni} is the
 * server name the client's ClientHello asked for (as the backend saw it, so a relayed hello shows up unchanged).
 */
public final class TlsBackend implements AutoCloseable {
    private final String name;
    private final X509Certificate certificate;
    private final SSLServerSocket server;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();

    private TlsBackend(String name, X509Certificate certificate, SSLServerSocket server) {
        this.name = name;
        this.certificate = certificate;
        this.server = server;
    }

    /** Starts a backend named {@code name} on {@code address} (any free port) with a certificate for {@code host}. */
    public static TlsBackend start(String name, String address, String host) throws IOException,
            GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair key = generator.generateKeyPair();
        X509Certificate certificate = selfSigned(key, host);
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        char[] password = "backend".toCharArray();
        store.setKeyEntry(host, key.getPrivate(), password, new Certificate[] {certificate});
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(store, password);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keys.getKeyManagers(), null, null);
        SSLServerSocket server = (SSLServerSocket) context.getServerSocketFactory().createServerSocket();
        server.bind(new InetSocketAddress(InetAddress.getByName(address), 0));
        TlsBackend backend = new TlsBackend(name, certificate, server);
        backend.executor.execute(backend::accept);
        return backend;
    }

    private static X509Certificate selfSigned(KeyPair key, String host) throws GeneralSecurityException {
        try {
            X500Name subject = new X500Name("CN=" + host);
            Instant now = Instant.now();
            JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject, BigInteger.ONE,
                    Date.from(now.minus(Duration.ofMinutes(5))), Date.from(now.plus(Duration.ofDays(1))), subject,
                    key.getPublic());
            builder.addExtension(Extension.subjectAlternativeName, false,
                    new GeneralNames(new GeneralName(GeneralName.dNSName, host)));
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            return new JcaX509CertificateConverter().getCertificate(builder.build(
                    new JcaContentSignerBuilder("SHA256withECDSA").build(key.getPrivate())));
        } catch (OperatorCreationException | IOException e) {
            throw new GeneralSecurityException("self-signed certificate for " + host, e);
        }
    }

    public int port() {
        return server.getLocalPort();
    }

    /** The certificate the backend presents. */
    public X509Certificate certificate() {
        return certificate;
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                executor.execute(() -> serve((SSLSocket) socket));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(SSLSocket socket) {
        try (socket) {
            socket.setSoTimeout(10_000);
            socket.startHandshake();
            String sni = requestedName(socket.getSession());
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                    StandardCharsets.UTF_8));
            OutputStream out = socket.getOutputStream();
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                out.write((name + " " + sni + " " + line + "\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
            }
        } catch (IOException e) {
            // The client went away or its handshake failed: nothing to answer.
        }
    }

    private static String requestedName(SSLSession session) {
        if (session instanceof ExtendedSSLSession extended) {
            for (SNIServerName requested : extended.getRequestedServerNames()) {
                if (requested instanceof SNIHostName host) {
                    return host.getAsciiName();
                }
            }
        }
        return "-";
    }

    @Override
    public void close() throws IOException {
        server.close();
        executor.shutdownNow();
    }
}
