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

    @Test
    void rewriteAndHeadersAreMappedAsIstioMapsThem() {
        HTTPRoute httpRoute = HTTPRoute.newBuilder()
                .setRewrite(dev.skiff.api.networking.v1alpha3.HTTPRewrite.newBuilder().setUri("/v2/")
                        .setAuthority("ratings.internal"))
                .setHeaders(dev.skiff.api.networking.v1alpha3.Headers.newBuilder()
                        .setRequest(dev.skiff.api.networking.v1alpha3.Headers.HeaderOperations.newBuilder()
                                .putSet("x-set", "1").putAdd("x-add", "2").addRemove("x-drop"))
                        .setResponse(dev.skiff.api.networking.v1alpha3.Headers.HeaderOperations.newBuilder()
                                .putSet("x-served-by", "skiff")))
                .build();
        RouteAction action = apply(httpRoute.toBuilder());
        io.envoyproxy.envoy.config.route.v3.Route.Builder route = io.envoyproxy.envoy.config.route.v3.Route
                .newBuilder();
        RoutePolicies.applyRouteFields(route, httpRoute);

        assertThat(action.getPrefixRewrite()).isEqualTo("/v2/");
        assertThat(action.getHostRewriteLiteral()).isEqualTo("ratings.internal");
        assertThat(route.getRequestHeadersToAddList()).extracting(h -> h.getHeader().getKey() + "=" + h
                .getHeader().getValue() + " " + h.getAppendAction())
                .containsExactly("x-set=1 OVERWRITE_IF_EXISTS_OR_ADD", "x-add=2 APPEND_IF_EXISTS_OR_ADD");
        assertThat(route.getRequestHeadersToRemoveList()).containsExactly("x-drop");
        assertThat(route.getResponseHeadersToAddList()).singleElement()
                .satisfies(h -> assertThat(h.getHeader().getKey()).isEqualTo("x-served-by"));
    }

    @Test
    void aRegexRewriteWinsOverAPrefixRewrite() {
        RouteAction action = apply(HTTPRoute.newBuilder().setRewrite(dev.skiff.api.networking.v1alpha3.HTTPRewrite
                .newBuilder().setUri("/ignored").setUriRegexRewrite(
                        dev.skiff.api.networking.v1alpha3.RegexRewrite.newBuilder().setMatch("^/old/(.*)$")
                                .setRewrite("/new/\\1"))));

        assertThat(action.getPrefixRewrite()).isEmpty();
        assertThat(action.getRegexRewrite().getPattern().getRegex()).isEqualTo("^/old/(.*)$");
        assertThat(action.getRegexRewrite().getSubstitution()).isEqualTo("/new/\\1");
    }

    @Test
    void faultIsAPerRouteFilterConfigInMillionths() throws Exception {
        io.envoyproxy.envoy.config.route.v3.Route.Builder route = io.envoyproxy.envoy.config.route.v3.Route
                .newBuilder();
        RoutePolicies.applyRouteFields(route, HTTPRoute.newBuilder().setFault(
                dev.skiff.api.networking.v1alpha3.HTTPFaultInjection.newBuilder()
                        .setDelay(dev.skiff.api.networking.v1alpha3.HTTPFaultInjection.Delay.newBuilder()
                                .setFixedDelay(Duration.newBuilder().setSeconds(7))
                                .setPercentage(dev.skiff.api.networking.v1alpha3.Percent.newBuilder().setValue(100)))
                        .setAbort(dev.skiff.api.networking.v1alpha3.HTTPFaultInjection.Abort.newBuilder()
                                .setGrpcStatus("UNAVAILABLE")
                                .setPercentage(dev.skiff.api.networking.v1alpha3.Percent.newBuilder().setValue(0.5))))
                .build());

        var fault = route.getTypedPerFilterConfigOrThrow(RoutePolicies.FAULT)
                .unpack(io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault.class);
        assertThat(fault.getDelay().getFixedDelay().getSeconds()).isEqualTo(7);
        assertThat(fault.getDelay().getPercentage().getNumerator()).isEqualTo(1_000_000);
        assertThat(fault.getAbort().getGrpcStatus()).isEqualTo(14);
        assertThat(fault.getAbort().getPercentage().getNumerator()).isEqualTo(5_000);
    }
}
