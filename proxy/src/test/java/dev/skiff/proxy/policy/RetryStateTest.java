package dev.skiff.proxy.policy;

import dev.skiff.proxy.model.RetryOn;
import dev.skiff.proxy.model.RetryPolicy;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

class RetryStateTest {

    private static RetryState state(int retries, List<Integer> codes, RetryOn... on) {
        return new RetryState(new RetryPolicy(retries, Set.of(on), codes, null, true, 3,
                RetryPolicy.DEFAULT_BASE_INTERVAL, null));
    }

    @Test
    void statusConditionsFollowEnvoy() {
        RetryState serverError = state(1, List.of(), RetryOn.SERVER_ERROR);
        assertThat(serverError.isRetriable(500, -1)).isTrue();
        assertThat(serverError.isRetriable(599, -1)).isTrue();
        assertThat(serverError.isRetriable(429, -1)).isFalse();

        RetryState gateway = state(1, List.of(), RetryOn.GATEWAY_ERROR);
        assertThat(gateway.isRetriable(502, -1)).isTrue();
        assertThat(gateway.isRetriable(504, -1)).isTrue();
        assertThat(gateway.isRetriable(500, -1)).isFalse();

        assertThat(state(1, List.of(), RetryOn.RETRIABLE_4XX).isRetriable(409, -1)).isTrue();
        RetryState codes = state(1, List.of(429, 503), RetryOn.RETRIABLE_STATUS_CODES);
        assertThat(codes.isRetriable(429, -1)).isTrue();
        assertThat(codes.isRetriable(500, -1)).isFalse();
        assertThat(state(1, List.of(429), RetryOn.SERVER_ERROR).isRetriable(429, -1)).isFalse();
    }

    @Test
    void grpcConditionsReadTheGrpcStatus() {
        RetryState grpc = state(1, List.of(), RetryOn.CANCELLED, RetryOn.DEADLINE_EXCEEDED,
                RetryOn.RESOURCE_EXHAUSTED, RetryOn.UNAVAILABLE);
        assertThat(grpc.isRetriable(200, 1)).isTrue();
        assertThat(grpc.isRetriable(200, 4)).isTrue();
        assertThat(grpc.isRetriable(200, 8)).isTrue();
        assertThat(grpc.isRetriable(200, 14)).isTrue();
        assertThat(grpc.isRetriable(200, 13)).isFalse();
        assertThat(grpc.isRetriable(200, 0)).isFalse();
        assertThat(grpc.isRetriable(200, -1)).isFalse();
    }

    @Test
    void failuresWithoutResponse() {
        RetryState connect = state(1, List.of(), RetryOn.CONNECT_FAILURE);
        assertThat(connect.isRetriable(RetryState.Failure.CONNECT_FAILURE)).isTrue();
        assertThat(connect.isRetriable(RetryState.Failure.RESET)).isFalse();
        assertThat(connect.isRetriable(RetryState.Failure.PER_TRY_TIMEOUT)).isFalse();
        for (RetryOn broad : List.of(RetryOn.SERVER_ERROR, RetryOn.GATEWAY_ERROR, RetryOn.RESET)) {
            RetryState state = state(1, List.of(), broad);
            for (RetryState.Failure failure : RetryState.Failure.values()) {
                assertThat(state.isRetriable(failure)).as(broad + " " + failure).isTrue();
            }
        }
        assertThat(state(1, List.of(), RetryOn.REFUSED_STREAM).isRetriable(RetryState.Failure.REFUSED_STREAM))
                .isTrue();
    }

    @Test
    void backOffIsJitteredBelowAnExponentialCeilingAndRetriesAreCounted() {
        SplittableRandom random = new SplittableRandom(7);
        for (int run = 0; run < 200; run++) {
            RetryState state = state(3, List.of(), RetryOn.SERVER_ERROR);
            assertThat(state.hasRetriesLeft()).isTrue();
            assertThat(state.startRetry(random)).isBetween(0L, Duration.ofMillis(25).toNanos() - 1);
            assertThat(state.startRetry(random)).isBetween(0L, Duration.ofMillis(75).toNanos() - 1);
            assertThat(state.startRetry(random)).isBetween(0L, Duration.ofMillis(175).toNanos() - 1);
            assertThat(state.hasRetriesLeft()).isFalse();
            assertThat(state.retriesDone()).isEqualTo(3);
        }
        RetryState capped = new RetryState(new RetryPolicy(10, Set.of(RetryOn.RESET), List.of(), null, true, 1,
                Duration.ofMillis(25), Duration.ofMillis(100)));
        for (int i = 0; i < 10; i++) {
            assertThat(capped.startRetry(random)).isLessThan(Duration.ofMillis(100).toNanos());
        }
    }

    @Test
    void previousHostsAreRejectedOnlyWithThePredicate() {
        InetSocketAddress a = new InetSocketAddress("127.0.0.1", 1000);
        InetSocketAddress b = new InetSocketAddress("127.0.0.1", 1001);
        RetryState state = state(2, List.of(), RetryOn.RESET);
        state.attempted(a);
        assertThat(state.rejectsHost(a)).isTrue();
        assertThat(state.rejectsHost(b)).isFalse();
        assertThat(state.hostSelectionAttempts()).isEqualTo(3);

        RetryState without = new RetryState(new RetryPolicy(2, Set.of(RetryOn.RESET), List.of(), null, false, 1,
                RetryPolicy.DEFAULT_BASE_INTERVAL, null));
        without.attempted(a);
        assertThat(without.rejectsHost(a)).isFalse();
    }
}
