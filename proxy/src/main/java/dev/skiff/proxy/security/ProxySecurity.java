package dev.skiff.proxy.security;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * The security side of one proxy: the {@link TlsContexts} the data plane takes its TLS from and, when the proxy has
 * a bootstrap token, the {@link SecretAgent} that keeps the workload certificate in them. Without a token the proxy
 * has no workload certificate: it serves plaintext, and TLS only with certificates from files.
 */
public final class ProxySecurity implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ProxySecurity.class);

    private final TlsContexts contexts;
    private final SecretAgent agent;
    private final CaClient ca;

    private ProxySecurity(TlsContexts contexts, SecretAgent agent, CaClient ca) {
        this.contexts = contexts;
        this.agent = agent;
        this.ca = ca;
    }

    /** No workload certificate: plaintext, and TLS with certificates from files only. */
    public static ProxySecurity withoutWorkloadCertificate() {
        return new ProxySecurity(new TlsContexts(), null, null);
    }

    /**
     * A proxy whose agent obtains its certificate from the CA.
     *
     * @param caHost    the CA's host
     * @param caPort    the CA's TLS port
     * @param caRoot    the trust bundle for the CA's port
     * @param tokenFile the workload's bootstrap token
     * @param validity  the certificate lifetime to ask for, {@link Duration#ZERO} for the CA's default
     * @throws IllegalArgumentException when the token or the trust bundle cannot be read
     */
    public static ProxySecurity withCa(String caHost, int caPort, Path caRoot, Path tokenFile, Duration validity) {
        CaClient ca = new CaClient(caHost, caPort, caRoot, tokenFile);
        TlsContexts contexts = new TlsContexts();
        SecretAgent agent = new SecretAgent(ca, validity, Clock.systemUTC(),
                RotationSchedule.istioDefaults(new SplittableRandom()), SecretAgent.threadScheduler(),
                new SecureRandom());
        agent.addListener(contexts::update);
        LOG.info("TLS provider {}; workload certificate from the CA at {}:{}", contexts.provider(), caHost, caPort);
        return new ProxySecurity(contexts, agent, ca);
    }

    /** Where the data plane takes its TLS contexts from. */
    public TlsContexts contexts() {
        return contexts;
    }

    /** The agent, when the proxy has a workload certificate. */
    public Optional<SecretAgent> agent() {
        return Optional.ofNullable(agent);
    }

    /**
     * Starts the agent and runs {@code onFirstCertificate} once the first certificate is in place (at once without
     * an agent).
     */
    public void start(Runnable onFirstCertificate) {
        if (agent == null) {
            onFirstCertificate.run();
            return;
        }
        agent.firstCertificate().thenRun(onFirstCertificate);
        agent.start();
    }

    /** Whether the workload certificate, if the proxy has one, is in place. */
    public boolean ready() {
        return agent == null || agent.current() != null;
    }

    @Override
    public void close() {
        if (agent != null) {
            agent.close();
        }
        if (ca != null) {
            ca.close();
        }
    }
}
