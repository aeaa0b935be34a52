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
        return new RetryState(policy(retries, codes, on));
    }

    private static RetryPolicy policy(int retries, List<Integer> codes, RetryOn... on) {
        return new RetryPolicy(retries, Set.of(on), codes, null, true, 3, RetryPolicy.DEFAULT_BASE_INTERVAL, null);
    }

    @Test
    void statusConditionsFollowEnvoy() {
        RetryPolicy serverError = policy(1, List.of(), RetryOn.SERVER_ERROR);
        assertThat(RetryState.isRetriable(serverError, 500, -1)).isTrue();
        assertThat(RetryState.isRetriable(serverError, 599, -1)).isTrue();
        assertThat(RetryState.isRetriable(serverError, 429, -1)).isFalse();

        RetryPolicy gateway = policy(1, List.of(), RetryOn.GATEWAY_ERROR);
        assertThat(RetryState.isRetriable(gateway, 502, -1)).isTrue();
        assertThat(RetryState.isRetriable(gateway, 504, -1)).isTrue();
        assertThat(RetryState.isRetriable(gateway, 500, -1)).isFalse();

        assertThat(RetryState.isRetriable(policy(1, List.of(), RetryOn.RETRIABLE_4XX), 409, -1)).isTrue();
        RetryPolicy codes = policy(1, List.of(429, 503), RetryOn.RETRIABLE_STATUS_CODES);
        assertThat(RetryState.isRetriable(codes, 429, -1)).isTrue();
        assertThat(RetryState.isRetriable(codes, 500, -1)).isFalse();
        assertThat(RetryState.isRetriable(policy(1, List.of(429), RetryOn.SERVER_ERROR), 429, -1)).isFalse();
    }

    @Test
    void grpcConditionsReadTheGrpcStatus() {
        RetryPolicy grpc = policy(1, List.of(), RetryOn.CANCELLED, RetryOn.DEADLINE_EXCEEDED,
                RetryOn.RESOURCE_EXHAUSTED, RetryOn.UNAVAILABLE);
        assertThat(RetryState.isRetriable(grpc, 200, 1)).isTrue();
        assertThat(RetryState.isRetriable(grpc, 200, 4)).isTrue();
        assertThat(RetryState.isRetriable(grpc, 200, 8)).isTrue();
        assertThat(RetryState.isRetriable(grpc, 200, 14)).isTrue();
        assertThat(RetryState.isRetriable(grpc, 200, 13)).isFalse();
        assertThat(RetryState.isRetriable(grpc, 200, 0)).isFalse();
        assertThat(RetryState.isRetriable(grpc, 200, -1)).isFalse();
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
