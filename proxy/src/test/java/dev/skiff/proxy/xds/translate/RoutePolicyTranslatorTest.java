package dev.skiff.proxy.xds.translate;

import com.google.protobuf.Any;
import com.google.protobuf.Duration;
import com.google.protobuf.UInt32Value;
import dev.skiff.proxy.model.RetryOn;
import dev.skiff.proxy.model.RetryPolicy;
import dev.skiff.proxy.model.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RetryPolicy.RetryBackOff;
import io.envoyproxy.envoy.config.route.v3.RetryPolicy.RetryHostPredicate;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.skiff.proxy.xds.translate.RouteTranslatorTest.config;
import static dev.skiff.proxy.xds.translate.RouteTranslatorTest.prefixRoute;
import static dev.skiff.proxy.xds.translate.RouteTranslatorTest.toCluster;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RoutePolicyTranslatorTest {
    private static final String REVIEWS = "outbound|9080||reviews.default.svc.cluster.local";
    private static final String WHERE = "route_configuration 9080: virtual_host reviews.default.svc.cluster.local:9080:"
            + " route r: route: retry_policy";

    private final RouteTranslator translator = new RouteTranslator();

    /** Istio's default retry policy, as the control plane generates it. */
    private static io.envoyproxy.envoy.config.route.v3.RetryPolicy.Builder istioDefault() {
        return io.envoyproxy.envoy.config.route.v3.RetryPolicy.newBuilder()
                .setNumRetries(UInt32Value.of(2))
                .setRetryOn("connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes")
                .addRetriableStatusCodes(503)
                .addRetryHostPredicate(RetryHostPredicate.newBuilder()
                        .setName(RoutePolicyTranslator.PREVIOUS_HOSTS)
                        .setTypedConfig(Any.newBuilder().setTypeUrl(RoutePolicyTranslator.PREVIOUS_HOSTS_TYPE)))
                .setHostSelectionRetryMaxAttempts(5);
    }

    private RouteAction translate(io.envoyproxy.envoy.config.route.v3.RouteAction.Builder action)
            throws TranslationException {
        RouteConfiguration config = config("9080", prefixRoute("/", REVIEWS).setName("r").setRoute(action));
        return translator.translate(config).virtualHosts().getFirst().routes().getFirst().action();
    }

    @Test
    void translatesIstiosDefaultRetryPolicyAndADisabledTimeout() throws TranslationException {
        RouteAction action = translate(toCluster(REVIEWS).setTimeout(Duration.getDefaultInstance())
                .setRetryPolicy(istioDefault()));

        assertThat(action.timeout()).isNull();
        RetryPolicy retries = action.retryPolicy();
        assertThat(retries.numRetries()).isEqualTo(2);
        assertThat(retries.retryOn()).containsExactlyInAnyOrder(RetryOn.CONNECT_FAILURE, RetryOn.REFUSED_STREAM,
                RetryOn.UNAVAILABLE, RetryOn.CANCELLED, RetryOn.RETRIABLE_STATUS_CODES);
        assertThat(retries.retriableStatusCodes()).containsExactly(503);
        assertThat(retries.previousHosts()).isTrue();
        assertThat(retries.hostSelectionAttempts()).isEqualTo(5);
        assertThat(retries.perTryTimeout()).isNull();
        assertThat(retries.baseInterval()).isEqualTo(java.time.Duration.ofMillis(25));
        assertThat(retries.maxInterval()).isEqualTo(java.time.Duration.ofMillis(250));
    }

    @Test
    void translatesTimeoutPerTryTimeoutAndBackOff() throws TranslationException {
        RouteAction action = translate(toCluster(REVIEWS).setTimeout(Duration.newBuilder().setSeconds(1))
                .setRetryPolicy(io.envoyproxy.envoy.config.route.v3.RetryPolicy.newBuilder()
                        .setNumRetries(UInt32Value.of(3))
                        .setRetryOn("5xx,gateway-error,reset,retriable-4xx,deadline-exceeded,resource-exhausted")
                        .setPerTryTimeout(Duration.newBuilder().setNanos(200_000_000))
                        .setRetryBackOff(RetryBackOff.newBuilder()
                                .setBaseInterval(Duration.newBuilder().setNanos(10_000_000)))));

        assertThat(action.timeout()).isEqualTo(java.time.Duration.ofSeconds(1));
        RetryPolicy retries = action.retryPolicy();
        assertThat(retries.numRetries()).isEqualTo(3);
        assertThat(retries.retryOn()).containsExactlyInAnyOrder(RetryOn.SERVER_ERROR, RetryOn.GATEWAY_ERROR,
                RetryOn.RESET, RetryOn.RETRIABLE_4XX, RetryOn.DEADLINE_EXCEEDED, RetryOn.RESOURCE_EXHAUSTED);
        assertThat(retries.perTryTimeout()).isEqualTo(java.time.Duration.ofMillis(200));
        assertThat(retries.previousHosts()).isFalse();
        assertThat(retries.baseInterval()).isEqualTo(java.time.Duration.ofMillis(10));
        assertThat(retries.maxInterval()).isEqualTo(java.time.Duration.ofMillis(100));
    }

    @Test
    void zeroRetriesMeanNoRetryPolicy() throws TranslationException {
        RouteAction action = translate(toCluster(REVIEWS).setRetryPolicy(istioDefault()
                .setNumRetries(UInt32Value.of(0))));

        assertThat(action.retryPolicy()).isNull();
        assertThat(action.clusters()).extracting(c -> c.cluster()).isEqualTo(List.of(REVIEWS));
    }

    @Test
    void rejectsUnknownRetryConditions() {
        assertThatThrownBy(() -> translate(toCluster(REVIEWS).setRetryPolicy(istioDefault()
                .setRetryOn("5xx,envoy-ratelimited"))))
                .isInstanceOf(TranslationException.class)
                .hasMessageStartingWith(WHERE + ": retry_on 'envoy-ratelimited' unsupported (expected: one of 5xx,");
    }

    @Test
    void rejectsOtherHostPredicates() {
        assertThatThrownBy(() -> translate(toCluster(REVIEWS).setRetryPolicy(istioDefault()
                .setRetryHostPredicate(0, RetryHostPredicate.newBuilder().setName("envoy.retry_host_predicates.x")
                        .setTypedConfig(Any.newBuilder().setTypeUrl("type.googleapis.com/x.Y"))))))
                .isInstanceOf(TranslationException.class)
                .hasMessage(WHERE + ": retry_host_predicate envoy.retry_host_predicates.x: unsupported (expected: "
                        + RoutePolicyTranslator.PREVIOUS_HOSTS + " with typed_config "
                        + RoutePolicyTranslator.PREVIOUS_HOSTS_TYPE + ")");
    }

    @Test
    void rejectsRetryFieldsItDoesNotHonour() {
        assertThatThrownBy(() -> translate(toCluster(REVIEWS).setRetryPolicy(istioDefault()
                .addRetriableHeaders(io.envoyproxy.envoy.config.route.v3.HeaderMatcher.newBuilder().setName("x")))))
                .isInstanceOf(TranslationException.class)
                .hasMessageStartingWith(WHERE + ": retriable_headers: unsupported");
    }

    @Test
    void translatesRewritesAndHeaderChanges() throws TranslationException {
        RouteConfiguration config = config("9080", prefixRoute("/v1/", REVIEWS).setName("r")
                .setRoute(toCluster(REVIEWS).setPrefixRewrite("/v2/").setHostRewriteLiteral("reviews.internal"))
                .addRequestHeadersToAdd(io.envoyproxy.envoy.config.core.v3.HeaderValueOption.newBuilder()
                        .setHeader(io.envoyproxy.envoy.config.core.v3.HeaderValue.newBuilder().setKey("x-a")
                                .setValue("1"))
                        .setAppendAction(io.envoyproxy.envoy.config.core.v3.HeaderValueOption.HeaderAppendAction
                                .APPEND_IF_EXISTS_OR_ADD))
                .addResponseHeadersToRemove("server"));

        RouteAction action = translator.translate(config).virtualHosts().getFirst().routes().getFirst().action();

        assertThat(action.mutations().prefixRewrite()).isEqualTo("/v2/");
        assertThat(action.mutations().hostRewrite()).isEqualTo("reviews.internal");
        assertThat(action.mutations().requestHeaders().add())
                .containsExactly(new dev.skiff.proxy.model.HeaderMutations.HeaderValue("x-a", "1", true));
        assertThat(action.mutations().responseHeaders().remove()).containsExactly("server");
    }
}
