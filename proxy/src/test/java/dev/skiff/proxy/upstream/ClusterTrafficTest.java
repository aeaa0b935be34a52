package dev.skiff.proxy.upstream;

import dev.skiff.proxy.model.CircuitBreakerSpec;
import dev.skiff.proxy.model.Endpoint;
import io.netty.channel.DefaultEventLoop;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ImmediateEventExecutor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class ClusterTrafficTest {

    private static final UpstreamHost HOST = new UpstreamHost(new Endpoint(new InetSocketAddress("127.0.0.1", 1)));
    private final List<EventLoop> loops = new ArrayList<>();

    @AfterEach
    void stopLoops() {
        for (EventLoop loop : loops) {
            loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }

    /** Records what the breakers said; callbacks run on the test's own thread with the immediate executor. */
    private static final class Recorder implements AdmissionCallback {
        volatile boolean admitted;
        volatile UpstreamOverflowException overflow;

        @Override
        public void onAdmitted() {
            admitted = true;
        }

        @Override
        public void onOverflow(UpstreamOverflowException overflow) {
            this.overflow = overflow;
        }
    }

    private static ClusterTraffic http1(long maxConnections, long maxPending, long maxRequests) {
        return new ClusterTraffic(new CircuitBreaker(new CircuitBreakerSpec(maxConnections, maxPending, maxRequests,
                3)), null, true);
    }

    @Test
    void oneConnectionOnePendingTheRestOverflowAtOnce() {
        ClusterTraffic traffic = http1(1, 1, 1000);
        Recorder first = new Recorder();
        Recorder second = new Recorder();
        Recorder third = new Recorder();

        UpstreamRequest one = traffic.request(HOST, ImmediateEventExecutor.INSTANCE, first);
        one.admit();
        UpstreamRequest two = traffic.request(HOST, ImmediateEventExecutor.INSTANCE, second);
        two.admit();
        traffic.request(HOST, ImmediateEventExecutor.INSTANCE, third).admit();

        assertThat(first.admitted).isTrue();
        assertThat(second.admitted).isFalse();
        assertThat(two.isPending()).isTrue();
        assertThat(third.overflow).isSameAs(UpstreamOverflowException.MAX_PENDING_REQUESTS);
        CircuitBreaker breaker = traffic.circuitBreaker();
        assertThat(breaker.pendingOverflows()).isEqualTo(1);
        assertThat(breaker.activeRequests()).isEqualTo(2);

        one.finish(OutlierResult.HTTP_RESPONSE, 200);

        assertThat(second.admitted).isTrue();
        assertThat(breaker.openConnections()).isEqualTo(1);
        assertThat(breaker.pendingRequests()).isZero();
        two.finish(OutlierResult.HTTP_RESPONSE, 200);
        assertThat(breaker.openConnections()).isZero();
        assertThat(breaker.activeRequests()).isZero();
    }

    @Test
    void maxRequestsRefusesWhateverTheProtocol() {
        ClusterTraffic traffic = new ClusterTraffic(new CircuitBreaker(new CircuitBreakerSpec(1024, 1024, 2, 3)),
                null, false);
        List<UpstreamRequest> requests = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            Recorder recorder = new Recorder();
            UpstreamRequest request = traffic.request(HOST, ImmediateEventExecutor.INSTANCE, recorder);
            request.admit();
            requests.add(request);
            assertThat(recorder.admitted).isTrue();
        }
        Recorder refused = new Recorder();
        traffic.request(HOST, ImmediateEventExecutor.INSTANCE, refused).admit();

        assertThat(refused.overflow).isSameAs(UpstreamOverflowException.MAX_REQUESTS);
        assertThat(traffic.circuitBreaker().requestOverflows()).isEqualTo(1);
        requests.getFirst().finish(OutlierResult.HTTP_RESPONSE, 200);
        requests.getFirst().finish(OutlierResult.HTTP_RESPONSE, 200);
        assertThat(traffic.circuitBreaker().activeRequests()).isEqualTo(1);
    }

    @Test
    void abandonedWaiterGivesItsPlaceBack() {
        ClusterTraffic traffic = http1(1, 1, 1000);
        UpstreamRequest holder = traffic.request(HOST, ImmediateEventExecutor.INSTANCE, new Recorder());
        holder.admit();
        Recorder waiter = new Recorder();
        UpstreamRequest waiting = traffic.request(HOST, ImmediateEventExecutor.INSTANCE, waiter);
        waiting.admit();

        waiting.finish(OutlierResult.NONE, 0);
        holder.finish(OutlierResult.HTTP_RESPONSE, 200);

        assertThat(waiter.admitted).isFalse();
        CircuitBreaker breaker = traffic.circuitBreaker();
        assertThat(breaker.pendingRequests()).isZero();
        assertThat(breaker.activeRequests()).isZero();
        assertThat(breaker.openConnections()).isZero();
    }

    @Test
    void retryBudgetIsACounterWithAThreshold() {
        CircuitBreaker breaker = new CircuitBreaker(new CircuitBreakerSpec(1, 1, 1, 2));

        assertThat(breaker.tryAcquireRetry()).isTrue();
        assertThat(breaker.tryAcquireRetry()).isTrue();
        assertThat(breaker.tryAcquireRetry()).isFalse();
        assertThat(breaker.retryOverflows()).isEqualTo(1);
        breaker.releaseRetry();
        assertThat(breaker.tryAcquireRetry()).isTrue();
        assertThat(breaker.activeRetries()).isEqualTo(2);
    }

    @Test
    void aSlotFreedOnOneLoopWakesARequestWaitingOnAnother() throws Exception {
        EventLoop loopA = new DefaultEventLoop();
        EventLoop loopB = new DefaultEventLoop();
        loops.add(loopA);
        loops.add(loopB);
        ClusterTraffic traffic = http1(2, 10, 1000);
        Recorder a = new Recorder();
        Recorder b1 = new Recorder();
        Recorder b2 = new Recorder();
        UpstreamRequest onA = loopA.submit(() -> {
            UpstreamRequest request = traffic.request(HOST, loopA, a);
            request.admit();
            return request;
        }).get();
        loopB.submit(() -> traffic.request(HOST, loopB, b1).admit()).get();
        UpstreamRequest waitingOnB = loopB.submit(() -> {
            UpstreamRequest request = traffic.request(HOST, loopB, b2);
            request.admit();
            return request;
        }).get();
        assertThat(a.admitted).isTrue();
        assertThat(b1.admitted).isTrue();
        assertThat(loopB.submit(waitingOnB::isPending).get()).isTrue();

        loopA.submit(() -> onA.finish(OutlierResult.HTTP_RESPONSE, 200)).get();

        await().atMost(5, TimeUnit.SECONDS).until(() -> b2.admitted);
        assertThat(traffic.circuitBreaker().openConnections()).isEqualTo(2);
        assertThat(traffic.circuitBreaker().pendingRequests()).isZero();
    }

    @Test
    void aLoopWithNothingInFlightAlwaysGetsAConnection() throws Exception {
        EventLoop loopA = new DefaultEventLoop();
        EventLoop loopB = new DefaultEventLoop();
        loops.add(loopA);
        loops.add(loopB);
        ClusterTraffic traffic = http1(1, 0, 1000);
        Recorder a = new Recorder();
        Recorder b = new Recorder();
        loopA.submit(() -> traffic.request(HOST, loopA, a).admit()).get();
        loopB.submit(() -> traffic.request(HOST, loopB, b).admit()).get();

        assertThat(a.admitted).isTrue();
        assertThat(b.admitted).isTrue();
        assertThat(traffic.circuitBreaker().openConnections()).isEqualTo(2);
        assertThat(traffic.circuitBreaker().connectionOverflows()).isEqualTo(1);
    }
}
