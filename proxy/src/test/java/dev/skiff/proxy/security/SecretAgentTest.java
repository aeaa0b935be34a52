package dev.skiff.proxy.security;

import org.junit.jupiter.api.Test;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

class SecretAgentTest {

    private static final String ID = "spiffe://cluster.local/ns/default/sa/reviews";

    /** A clock the test moves. */
    private static final class FakeClock extends Clock {
        Instant now = Instant.parse("2026-01-01T00:00:00Z");

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    /** Records what the agent schedules; the test runs the tasks. */
    private static final class ManualScheduler implements SecretAgent.Scheduler {
        final List<Runnable> tasks = new ArrayList<>();
        final List<Duration> delays = new ArrayList<>();

        @Override
        public void schedule(Runnable task, Duration delay) {
            tasks.add(task);
            delays.add(delay);
        }

        void runNext() {
            tasks.removeFirst().run();
        }

        @Override
        public void close() {
            tasks.clear();
        }
    }

    private final FakeClock clock = new FakeClock();
    private final ManualScheduler scheduler = new ManualScheduler();

    private SecretAgent agent(TestCa ca) {
        return new SecretAgent(ca, Duration.ZERO, clock, new RotationSchedule(0.5, 0, new SplittableRandom(1)),
                scheduler, new SecureRandom());
    }

    @Test
    void firstCertificateThenRenewalAtHalfItsLifetimeWithANewKey() {
        TestCa ca = new TestCa(ID, clock, Duration.ofHours(24));
        SecretAgent agent = agent(ca);
        List<WorkloadCertificate> seen = new ArrayList<>();
        agent.addListener(seen::add);

        agent.start();
        assertThat(scheduler.delays).containsExactly(Duration.ZERO);
        scheduler.runNext();

        assertThat(agent.firstCertificate()).isCompleted();
        WorkloadCertificate first = agent.current();
        assertThat(first.spiffeId()).isEqualTo(ID);
        assertThat(first.roots()).containsExactly(ca.root());
        assertThat(seen).containsExactly(first);
        assertThat(scheduler.delays.getLast()).isEqualTo(Duration.ofHours(12));

        clock.now = clock.now.plus(Duration.ofHours(12));
        scheduler.runNext();

        WorkloadCertificate second = agent.current();
        assertThat(second).isNotSameAs(first);
        assertThat(second.key()).isNotEqualTo(first.key());
        assertThat(second.notAfter()).isAfter(first.notAfter());
        assertThat(seen).containsExactly(first, second);
        assertThat(scheduler.delays.getLast()).isEqualTo(Duration.ofHours(12));
        assertThat(ca.calls).hasValue(2);
    }

    @Test
    void shortLivedCertificatesRenewAfterHalfOfWhatIsLeftNotOfTheBackdatedLifetime() {
        TestCa ca = new TestCa(ID, clock, Duration.ofMinutes(1));
        SecretAgent agent = agent(ca);

        agent.start();
        scheduler.runNext();

        assertThat(scheduler.delays.getLast()).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void failedRequestsAreRetriedWithBackoffAndKeepTheCurrentCertificate() {
        TestCa ca = new TestCa(ID, clock, Duration.ofHours(1));
        SecretAgent agent = agent(ca);
        agent.start();
        scheduler.runNext();
        WorkloadCertificate first = agent.current();

        ca.failing = true;
        scheduler.runNext();
        scheduler.runNext();
        scheduler.runNext();

        assertThat(agent.current()).isSameAs(first);
        assertThat(scheduler.delays.subList(scheduler.delays.size() - 3, scheduler.delays.size()))
                .containsExactly(Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(4));

        ca.failing = false;
        scheduler.runNext();
        assertThat(agent.current()).isNotSameAs(first);
        assertThat(scheduler.delays.getLast()).isEqualTo(Duration.ofMinutes(30));
    }

    @Test
    void retryDelayIsCappedAtThirtySeconds() {
        assertThat(SecretAgent.retryDelay(1)).isEqualTo(Duration.ofSeconds(1));
        assertThat(SecretAgent.retryDelay(5)).isEqualTo(Duration.ofSeconds(16));
        assertThat(SecretAgent.retryDelay(6)).isEqualTo(Duration.ofSeconds(30));
        assertThat(SecretAgent.retryDelay(40)).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void noFirstCertificateWhileTheCaFails() {
        TestCa ca = new TestCa(ID, clock, Duration.ofHours(1));
        ca.failing = true;
        SecretAgent agent = agent(ca);

        agent.start();
        scheduler.runNext();

        assertThat(agent.firstCertificate()).isNotDone();
        assertThat(agent.current()).isNull();
    }
}
