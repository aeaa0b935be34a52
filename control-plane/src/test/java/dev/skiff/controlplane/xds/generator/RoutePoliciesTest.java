package dev.skiff.controlplane.xds.generator;

import com.google.protobuf.BoolValue;
import com.google.protobuf.Duration;
import com.google.protobuf.UInt32Value;
import dev.skiff.api.networking.v1alpha3.HTTPRetry;
import dev.skiff.api.networking.v1alpha3.HTTPRoute;
import io.envoyproxy.envoy.config.route.v3.RetryPolicy;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class RoutePoliciesTest {

    private static RouteAction apply(HTTPRoute.Builder route) {
        RouteAction.Builder action = RouteAction.newBuilder().setCluster("outbound|9080||reviews");
        RoutePolicies.apply(action, route.build());
        return action.build();
    }

    @Test
    void withoutTimeoutAndRetriesARouteGetsNoTimeoutAndIstiosDefaultRetries() {
        RouteAction action = apply(HTTPRoute.newBuilder());

        assertThat(action.hasTimeout()).isTrue();
        assertThat(action.getTimeout()).isEqualTo(Duration.getDefaultInstance());
        RetryPolicy retries = action.getRetryPolicy();
        assertThat(retries.getNumRetries()).isEqualTo(UInt32Value.of(2));
        assertThat(retries.getRetryOn())
                .isEqualTo("connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes");
        assertThat(retries.getRetriableStatusCodesList()).containsExactly(503);
        assertThat(retries.getRetryHostPredicateList()).singleElement().satisfies(predicate -> {
            assertThat(predicate.getName()).isEqualTo("envoy.retry_host_predicates.previous_hosts");
            assertThat(predicate.getTypedConfig().getTypeUrl()).isEqualTo(
                    "type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate");
        });
        assertThat(retries.getHostSelectionRetryMaxAttempts()).isEqualTo(5);
        assertThat(retries.hasPerTryTimeout()).isFalse();
    }

    @Test
    void timeoutAndRetriesAreMappedAsIstioMapsThem() {
        RouteAction action = apply(HTTPRoute.newBuilder()
                .setTimeout(Duration.newBuilder().setSeconds(1))
                .setRetries(HTTPRetry.newBuilder()
                        .setAttempts(3)
                        .setPerTryTimeout(Duration.newBuilder().setNanos(500_000_000))
                        .setRetryOn("gateway-error, 429 ,connect-failure,409")
                        .setBackoff(Duration.newBuilder().setNanos(50_000_000))));

        assertThat(action.getTimeout()).isEqualTo(Duration.newBuilder().setSeconds(1).build());
        RetryPolicy retries = action.getRetryPolicy();
        assertThat(retries.getNumRetries().getValue()).isEqualTo(3);
        assertThat(retries.getRetryOn()).isEqualTo("gateway-error,connect-failure,retriable-status-codes");
        assertThat(retries.getRetriableStatusCodesList()).containsExactly(429, 409);
        assertThat(retries.getPerTryTimeout()).isEqualTo(Duration.newBuilder().setNanos(500_000_000).build());
        assertThat(retries.getRetryBackOff().getBaseInterval())
                .isEqualTo(Duration.newBuilder().setNanos(50_000_000).build());
        assertThat(retries.getRetryHostPredicateCount()).isEqualTo(1);
    }

    @Test
    void retryOnWithoutStatusCodesReplacesTheDefaultCodes() {
        RetryPolicy retries = apply(HTTPRoute.newBuilder().setRetries(HTTPRetry.newBuilder()
                .setAttempts(1).setRetryOn("5xx"))).getRetryPolicy();

        assertThat(retries.getRetryOn()).isEqualTo("5xx");
        assertThat(retries.getRetriableStatusCodesList()).isEmpty();
    }

    @Test
    void zeroAttemptsDisableRetries() {
        RouteAction action = apply(HTTPRoute.newBuilder().setRetries(HTTPRetry.newBuilder().setAttempts(0)));

        assertThat(action.hasRetryPolicy()).isFalse();
    }

    @Test
    void retryIgnorePreviousHostsFalseDropsThePredicate() {
        RetryPolicy retries = apply(HTTPRoute.newBuilder().setRetries(HTTPRetry.newBuilder()
                .setAttempts(2).setRetryIgnorePreviousHosts(BoolValue.of(false)))).getRetryPolicy();

        assertThat(retries.getRetryHostPredicateCount()).isZero();
        assertThat(retries.getRetryOn()).isEqualTo(RoutePolicies.DEFAULT_RETRY_ON);
        assertThat(retries.getRetriableStatusCodesList()).containsExactly(503);
    }
}
