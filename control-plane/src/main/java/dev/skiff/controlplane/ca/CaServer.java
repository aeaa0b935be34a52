package dev.skiff.controlplane.ca;

import dev.skiff.controlplane.telemetry.ControlPlaneMetrics;
import io.grpc.BindableService;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The control plane's CA (Istio's Citadel) and its TLS gRPC port: loads or creates the signing key, the bootstrap
 * token key and the port's own certificate, publishes the trust bundle in the state directory, serves the
 * certificate service (and any other service handed to {@link #create}) and renews the port's certificate before it
 * expires. Every call on this port must carry a bootstrap token ({@code authorization: Bearer <token>}); a service
 * finds its authenticated caller in {@link BearerTokenInterceptor#CALLER}.
 */
public final class CaServer implements AutoCloseable {
    /** The default state directory, relative to the working directory. */
    public static final Path DEFAULT_STATE_DIR = Path.of(".skiff", "state");
    /** The roots that verify every certificate this CA issues, written to the state directory on start. */
    public static final String TRUST_BUNDLE_FILE = "trust-bundle.pem";

    private static final Logger log = LoggerFactory.getLogger(CaServer.class);
    private static final Duration RETRY_AFTER_FAILURE = Duration.ofMinutes(1);

    private final CertificateAuthority authority;
    private final BootstrapTokens tokens;
    private final Path trustBundle;
    private final List<String> dnsNames;
    private final List<InetAddress> addresses;
    private final RotatingKeyManager keyManager;
    private final SecureGrpcServer server;
    private final ScheduledExecutorService renewals;

    private CaServer(CertificateAuthority authority, BootstrapTokens tokens, Path trustBundle,
                     CaServerOptions options, List<BindableService> extraServices, CaMetrics metrics) {
        this.authority = authority;
        this.tokens = tokens;
        this.trustBundle = trustBundle;
        this.dnsNames = options.serverDnsNames();
        this.addresses = servingAddresses(options.address().getAddress());
        KeyPair key = CertificateAuthority.newEcKeyPair();
        this.keyManager = new RotatingKeyManager(key.getPrivate(), issueServing(key).chain());
        BearerTokenInterceptor authentication = new BearerTokenInterceptor(tokens);
        BearerTokenInterceptor csrAuthentication = new BearerTokenInterceptor(tokens, () -> {
            metrics.csrReceived();
            metrics.authenticationFailed();
        });
        List<ServerServiceDefinition> services = new ArrayList<>();
        services.add(ServerInterceptors.intercept(new CertificateService(authority, metrics), csrAuthentication));
        extraServices.forEach(service -> services.add(ServerInterceptors.intercept(service, authentication)));
        this.server = new SecureGrpcServer(options.address(), keyManager, services);
        this.renewals = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("ca-serving-cert-renewal").factory());
    }

    /**
     * Prepares the CA: loads the plugged {@code cacerts} when given, else loads (or creates) the self-signed root in
     * {@code stateDir}; loads (or creates) the bootstrap token key there; writes {@value #TRUST_BUNDLE_FILE}.
     *
     * @param extraServices more services for the same TLS port (such as ADS), behind the same caller authentication
     * @param metrics       where the CA's {@code citadel_server_*} metrics go
     */
    public static CaServer create(Path stateDir, CaServerOptions options, List<BindableService> extraServices,
                                  ControlPlaneMetrics metrics) throws IOException {
        Objects.requireNonNull(options, "options");
        StateFiles.directory(stateDir);
        CertificateAuthority authority = options.cacerts().isPresent()
                ? CertificateAuthority.plugged(options.cacerts().get(), options.settings())
                : CertificateAuthority.selfSigned(stateDir, options.settings());
        BootstrapTokens tokens = BootstrapTokens.loadOrCreate(stateDir, options.settings().clock());
        Path trustBundle = stateDir.resolve(TRUST_BUNDLE_FILE);
        StateFiles.publish(trustBundle, authority.rootCertificatesPem());
        return new CaServer(authority, tokens, trustBundle, options, List.copyOf(extraServices),
                new CaMetrics(metrics, authority));
    }

    /** Binds the port and schedules the renewal of its certificate; returns once the port is bound. */
    public CaServer start() {
        server.start();
        scheduleRenewal(keyManager.leaf().getNotAfter().toInstant());
        log.info("CA: trust domain {}, certificate service on port {}, trust bundle in {}", authority.trustDomain(),
                server.port(), trustBundle);
        return this;
    }

    public int port() {
        return server.port();
    }

    public CertificateAuthority authority() {
        return authority;
    }

    public BootstrapTokens tokens() {
        return tokens;
    }

    /** The file holding the roots (PEM), for clients of this port and for workloads. */
    public Path trustBundleFile() {
        return trustBundle;
    }

    @Override
    public void close() {
        renewals.shutdownNow();
        server.close();
    }

    private IssuedCertificate issueServing(KeyPair key) {
        return authority.issueServing(key.getPublic(), dnsNames, addresses,
                authority.settings().defaultWorkloadTtl());
    }

    /** Renews at two thirds of the certificate's remaining lifetime. */
    private void scheduleRenewal(Instant notAfter) {
        Duration remaining = Duration.between(authority.settings().clock().instant(), notAfter);
        Duration delay = remaining.isNegative() ? Duration.ZERO : remaining.multipliedBy(2).dividedBy(3);
        renewals.schedule(this::renew, delay.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Replaces the port's certificate with a new one (and a new key); the next handshakes present it. */
    void renew() {
        try {
            KeyPair key = CertificateAuthority.newEcKeyPair();
            IssuedCertificate issued = issueServing(key);
            keyManager.update(key.getPrivate(), issued.chain());
            log.info("CA: renewed the certificate of the secure gRPC port, valid until {}",
                    issued.leaf().getNotAfter().toInstant());
            scheduleRenewal(issued.leaf().getNotAfter().toInstant());
        } catch (RuntimeException e) {
            log.error("CA: cannot renew the certificate of the secure gRPC port (retrying in {}): {}",
                    RETRY_AFTER_FAILURE, e.getMessage());
            renewals.schedule(this::renew, RETRY_AFTER_FAILURE.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private static List<InetAddress> servingAddresses(InetAddress bound) {
        if (bound == null || bound.isAnyLocalAddress()) {
            return List.of(InetAddress.getLoopbackAddress());
        }
        return List.of(bound);
    }
}
