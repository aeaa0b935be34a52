package dev.skiff.proxy.security;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The proxy's security agent, as Istio's pilot-agent is for Envoy: it generates the workload's key locally, has the
 * CA certify it, holds the certificate (the SDS secrets {@code default} and {@code ROOTCA}) and renews it, with a new
 * key, on the {@link RotationSchedule}. A failed request is retried with exponential backoff (1 s doubling to
 * 30 s). Every new certificate goes to the listeners (the data plane's {@link TlsContexts}).
 */
public final class SecretAgent implements AutoCloseable {

    /** Runs the agent's work after a delay; the standard one is a single daemon thread. */
    public interface Scheduler extends AutoCloseable {
        void schedule(Runnable task, Duration delay);

        @Override
        void close();
    }

    private static final Logger LOG = LoggerFactory.getLogger(SecretAgent.class);
    private static final Duration FIRST_RETRY = Duration.ofSeconds(1);
    private static final Duration MAX_RETRY = Duration.ofSeconds(30);

    private final CertificateSigner signer;
    private final Duration validity;
    private final Clock clock;
    private final RotationSchedule schedule;
    private final Scheduler scheduler;
    private final SecureRandom random;
    private final List<Consumer<WorkloadCertificate>> listeners = new CopyOnWriteArrayList<>();
    private final CompletableFuture<WorkloadCertificate> first = new CompletableFuture<>();
    private volatile WorkloadCertificate current;
    private volatile boolean closed;
    private int failures;

    /**
     * @param signer    the CA
     * @param validity  the lifetime to ask for; {@link Duration#ZERO} lets the CA choose (24 h by default)
     * @param clock     the time source
     * @param schedule  when to renew
     * @param scheduler where the work runs
     */
    public SecretAgent(CertificateSigner signer, Duration validity, Clock clock, RotationSchedule schedule,
                       Scheduler scheduler, SecureRandom random) {
        this.signer = Objects.requireNonNull(signer, "signer");
        this.validity = Objects.requireNonNull(validity, "validity");
        if (validity.isNegative()) {
            throw new IllegalArgumentException("certificate validity: " + validity + " (expected: >= 0)");
        }
        this.clock = clock;
        this.schedule = schedule;
        this.scheduler = scheduler;
        this.random = random;
    }

    /** A single daemon thread named {@code skiff-secret-agent}. */
    public static Scheduler threadScheduler() {
        ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("skiff-secret-agent").factory());
        return new Scheduler() {
            @Override
            public void schedule(Runnable task, Duration delay) {
                if (!executor.isShutdown()) {
                    executor.schedule(task, delay.toMillis(), TimeUnit.MILLISECONDS);
                }
            }

            @Override
            public void close() {
                executor.shutdownNow();
            }
        };
    }

    /** Tells {@code listener} about every new certificate, starting with the current one if there is one. */
    public void addListener(Consumer<WorkloadCertificate> listener) {
        listeners.add(listener);
        WorkloadCertificate now = current;
        if (now != null) {
            listener.accept(now);
        }
    }

    /** Requests the first certificate at once; renewals follow on their own. */
    public void start() {
        scheduler.schedule(this::refresh, Duration.ZERO);
    }

    /** Completes with the first certificate. */
    public CompletableFuture<WorkloadCertificate> firstCertificate() {
        return first;
    }

    /** The certificate in force, or null before the first one. */
    public WorkloadCertificate current() {
        return current;
    }

    /** Obtains a new certificate now and schedules the next renewal (or a retry). Runs on the scheduler. */
    void refresh() {
        if (closed) {
            return;
        }
        WorkloadCsr csr = WorkloadCsr.generate(random);
        WorkloadCertificate certificate;
        try {
            List<X509Certificate> chain = signer.sign(csr.pem(), validity);
            certificate = WorkloadCertificate.fromCaChain(csr.keyPair().getPrivate(), chain, clock.instant());
            if (!Arrays.equals(certificate.leaf().getPublicKey().getEncoded(), csr.keyPair().getPublic().getEncoded())) {
                throw new IllegalArgumentException("the CA certified another key than the one in the CSR");
            }
        } catch (CertificateSigner.CertificateRequestException | IllegalArgumentException e) {
            failures++;
            Duration retry = retryDelay(failures);
            LOG.warn("workload certificate request failed ({} in a row): {}; retrying in {} s", failures,
                    e.getMessage(), retry.toMillis() / 1000.0);
            scheduler.schedule(this::refresh, retry);
            return;
        }
        failures = 0;
        current = certificate;
        for (Consumer<WorkloadCertificate> listener : listeners) {
            listener.accept(certificate);
        }
        first.complete(certificate);
        Instant now = clock.instant();
        Instant renewAt = schedule.renewAt(certificate.receivedAt(), certificate.notBefore(), certificate.notAfter());
        Duration delay = now.isBefore(renewAt) ? Duration.between(now, renewAt) : Duration.ZERO;
        LOG.info("workload certificate for {} valid until {}, renewing at {}", certificate.spiffeId(),
                certificate.notAfter(), renewAt);
        scheduler.schedule(this::refresh, delay);
    }

    /** 1 s, 2 s, 4 s … up to 30 s after {@code failures} failed requests in a row. */
    static Duration retryDelay(int failures) {
        int doublings = Math.min(failures - 1, 5);
        Duration delay = FIRST_RETRY.multipliedBy(1L << doublings);
        return delay.compareTo(MAX_RETRY) > 0 ? MAX_RETRY : delay;
    }

    @Override
    public void close() {
        closed = true;
        scheduler.close();
        first.completeExceptionally(new IllegalStateException("the secret agent stopped"));
    }
}
