package dev.skiff.controlplane.xds.generator;

import com.google.protobuf.Any;
import com.google.protobuf.DescriptorProtos;
import com.google.protobuf.Descriptors;
import com.google.protobuf.Duration;
import com.google.protobuf.UInt32Value;
import dev.skiff.api.networking.v1alpha3.HTTPRetry;
import dev.skiff.api.networking.v1alpha3.HTTPRoute;
import io.envoyproxy.envoy.config.route.v3.RetryPolicy;
import io.envoyproxy.envoy.config.route.v3.RouteAction;

import java.util.ArrayList;
import java.util.List;

/**
 * The traffic policies of a VirtualService {@code http[]} entry that live on Envoy's {@code RouteAction}, mapped as
 * Istio's route translation maps them: {@code timeout} (0s, i.e. none, when absent) and {@code retries} (Istio's
 * default retry policy when absent, none when {@code attempts} is 0).
 */
public final class RoutePolicies {

    /** Envoy's previous-hosts retry host predicate, which Istio puts on every retry policy by default. */
    public static final String PREVIOUS_HOSTS = "envoy.retry_host_predicates.previous_hosts";
    /**
     * The (empty) {@code PreviousHostsPredicate} message, which Skiff's api-protos do not carry; JSON printers add
     * it to their type registries.
     */
    public static final Descriptors.Descriptor PREVIOUS_HOSTS_DESCRIPTOR = previousHostsDescriptor();
    public static final String PREVIOUS_HOSTS_TYPE = "type.googleapis.com/" + PREVIOUS_HOSTS_DESCRIPTOR.getFullName();
    /** Istio's default {@code retry_on}. */
    public static final String DEFAULT_RETRY_ON =
            "connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes";

    private static final String RETRIABLE_STATUS_CODES = "retriable-status-codes";

    private RoutePolicies() {
    }

    private static Descriptors.Descriptor previousHostsDescriptor() {
        DescriptorProtos.FileDescriptorProto file = DescriptorProtos.FileDescriptorProto.newBuilder()
                .setName("envoy/extensions/retry/host/previous_hosts/v3/previous_hosts.proto")
                .setPackage("envoy.extensions.retry.host.previous_hosts.v3")
                .setSyntax("proto3")
                .addMessageType(DescriptorProtos.DescriptorProto.newBuilder().setName("PreviousHostsPredicate"))
                .build();
        try {
            return Descriptors.FileDescriptor.buildFrom(file, new Descriptors.FileDescriptor[0])
                    .findMessageTypeByName("PreviousHostsPredicate");
        } catch (Descriptors.DescriptorValidationException e) {
            throw new IllegalStateException("PreviousHostsPredicate descriptor: " + e.getMessage(), e);
        }
    }

    /** Sets the route timeout and the retry policy of {@code httpRoute} (or the defaults) on {@code action}. */
    public static void apply(RouteAction.Builder action, HTTPRoute httpRoute) {
        action.setTimeout(httpRoute.hasTimeout() ? httpRoute.getTimeout() : Duration.getDefaultInstance());
        RetryPolicy retries = retryPolicy(httpRoute.hasRetries() ? httpRoute.getRetries() : null);
        if (retries != null) {
            action.setRetryPolicy(retries);
        }
    }

    /** The defaults of a route that no VirtualService configures: no timeout, Istio's default retries. */
    public static void applyDefaults(RouteAction.Builder action) {
        action.setTimeout(Duration.getDefaultInstance());
        action.setRetryPolicy(defaultRetryPolicy());
    }

    /** Istio's default: 2 retries on connect failures, refused streams, gRPC unavailable/cancelled and 503. */
    public static RetryPolicy defaultRetryPolicy() {
        return defaultRetryPolicyBuilder().build();
    }

    private static RetryPolicy.Builder defaultRetryPolicyBuilder() {
        return RetryPolicy.newBuilder()
                .setNumRetries(UInt32Value.of(2))
                .setRetryOn(DEFAULT_RETRY_ON)
                .addRetriableStatusCodes(503)
                .addRetryHostPredicate(RetryPolicy.RetryHostPredicate.newBuilder()
                        .setName(PREVIOUS_HOSTS)
                        .setTypedConfig(Any.newBuilder().setTypeUrl(PREVIOUS_HOSTS_TYPE)))
                .setHostSelectionRetryMaxAttempts(5);
    }

    /**
     * Istio's conversion: null {@code retries} -> the default policy; 0 attempts -> no policy; otherwise the
     * default with the attempts, {@code retryOn} (plain status codes go to {@code retriable_status_codes} and turn
     * on {@code retriable-status-codes}), per-try timeout, previous-hosts predicate and backoff base replaced.
     */
    static RetryPolicy retryPolicy(HTTPRetry retries) {
        if (retries == null) {
            return defaultRetryPolicy();
        }
        if (retries.getAttempts() <= 0) {
            return null;
        }
        RetryPolicy.Builder policy = defaultRetryPolicyBuilder().setNumRetries(UInt32Value.of(retries.getAttempts()));
        if (!retries.getRetryOn().isEmpty()) {
            policy.clearRetriableStatusCodes();
            List<String> conditions = new ArrayList<>();
            for (String condition : retries.getRetryOn().split(",")) {
                String trimmed = condition.trim();
                if (trimmed.isEmpty()) {
                    continue;
                }
                if (trimmed.chars().allMatch(Character::isDigit)) {
                    policy.addRetriableStatusCodes(Integer.parseInt(trimmed));
                } else {
                    conditions.add(trimmed);
                }
            }
            if (policy.getRetriableStatusCodesCount() > 0 && !conditions.contains(RETRIABLE_STATUS_CODES)) {
                conditions.add(RETRIABLE_STATUS_CODES);
            }
            policy.setRetryOn(String.join(",", conditions));
        }
        if (retries.hasPerTryTimeout()) {
            policy.setPerTryTimeout(retries.getPerTryTimeout());
        }
        if (retries.hasRetryIgnorePreviousHosts() && !retries.getRetryIgnorePreviousHosts().getValue()) {
            policy.clearRetryHostPredicate();
        }
        if (retries.hasBackoff()) {
            policy.setRetryBackOff(RetryPolicy.RetryBackOff.newBuilder().setBaseInterval(retries.getBackoff()));
        }
        return policy.build();
    }
}
