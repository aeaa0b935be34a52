package dev.skiff.controlplane.xds.generator;

import com.google.protobuf.Any;
import com.google.protobuf.DescriptorProtos;
import com.google.protobuf.Descriptors;
import com.google.protobuf.Duration;
import com.google.protobuf.UInt32Value;
import dev.skiff.api.networking.v1alpha3.HTTPFaultInjection;
import dev.skiff.api.networking.v1alpha3.HTTPRetry;
import dev.skiff.api.networking.v1alpha3.HTTPRewrite;
import dev.skiff.api.networking.v1alpha3.HTTPRoute;
import dev.skiff.api.networking.v1alpha3.Headers;
import dev.skiff.api.networking.v1alpha3.Percent;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.route.v3.RetryPolicy;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.extensions.filters.common.fault.v3.FaultDelay;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.FaultAbort;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatchAndSubstitute;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import io.envoyproxy.envoy.type.v3.FractionalPercent;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The traffic policies of a VirtualService {@code http[]} entry that live on Envoy's {@code RouteAction}, mapped as
 * Istio's route translation maps them: {@code timeout} (0s, i.e. none, when absent) and {@code retries} (Istio's
 * default retry policy when absent, none when {@code attempts} is 0); and those that live on the route as per-filter
 * configuration: {@code fault} ({@code envoy.filters.http.fault}).
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

    /** The fault filter's name, the key of its per-route configuration. */
    public static final String FAULT = "envoy.filters.http.fault";

    private static final String RETRIABLE_STATUS_CODES = "retriable-status-codes";
    /** gRPC status names as Istio's {@code grpcStatus} spells them, by code. */
    private static final List<String> GRPC_STATUSES = List.of("OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT",
            "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED",
            "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE",
            "DATA_LOSS", "UNAUTHENTICATED");

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

    /**
     * Sets the route timeout and the retry policy of {@code httpRoute} (or the defaults) and its rewrite on
     * {@code action}.
     */
    public static void apply(RouteAction.Builder action, HTTPRoute httpRoute) {
        if (httpRoute.hasRewrite()) {
            rewrite(action, httpRoute.getRewrite());
        }
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

    /**
     * Puts what {@code httpRoute} configures on the route itself: its header operations and the per-filter
     * configuration of its fault injection.
     */
    public static void applyRouteFields(Route.Builder route, HTTPRoute httpRoute) {
        if (httpRoute.hasHeaders()) {
            headers(route, httpRoute.getHeaders());
        }
        if (httpRoute.hasFault()) {
            fault(httpRoute.getFault()).ifPresent(fault -> route.putTypedPerFilterConfig(FAULT, Any.pack(fault)));
        }
    }

    /** Istio's rewrite: {@code uri} as {@code prefix_rewrite}, {@code uriRegexRewrite}, {@code authority}. */
    static void rewrite(RouteAction.Builder action, HTTPRewrite rewrite) {
        if (rewrite.hasUriRegexRewrite()) {
            action.setRegexRewrite(RegexMatchAndSubstitute.newBuilder()
                    .setPattern(RegexMatcher.newBuilder().setRegex(rewrite.getUriRegexRewrite().getMatch()))
                    .setSubstitution(rewrite.getUriRegexRewrite().getRewrite()));
        } else if (!rewrite.getUri().isEmpty()) {
            action.setPrefixRewrite(rewrite.getUri());
        }
        if (!rewrite.getAuthority().isEmpty()) {
            action.setHostRewriteLiteral(rewrite.getAuthority());
        }
    }

    /** {@code headers.request/response}: {@code set} overwrites, {@code add} appends, {@code remove} removes. */
    static void headers(Route.Builder route, Headers headers) {
        Headers.HeaderOperations request = headers.getRequest();
        new TreeMap<>(request.getSetMap()).forEach((name, value) -> route.addRequestHeadersToAdd(
                headerValue(name, value, HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD)));
        new TreeMap<>(request.getAddMap()).forEach((name, value) -> route.addRequestHeadersToAdd(
                headerValue(name, value, HeaderValueOption.HeaderAppendAction.APPEND_IF_EXISTS_OR_ADD)));
        route.addAllRequestHeadersToRemove(request.getRemoveList());
        Headers.HeaderOperations response = headers.getResponse();
        new TreeMap<>(response.getSetMap()).forEach((name, value) -> route.addResponseHeadersToAdd(
                headerValue(name, value, HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD)));
        new TreeMap<>(response.getAddMap()).forEach((name, value) -> route.addResponseHeadersToAdd(
                headerValue(name, value, HeaderValueOption.HeaderAppendAction.APPEND_IF_EXISTS_OR_ADD)));
        route.addAllResponseHeadersToRemove(response.getRemoveList());
    }

    private static HeaderValueOption headerValue(String name, String value,
                                                 HeaderValueOption.HeaderAppendAction action) {
        return HeaderValueOption.newBuilder()
                .setHeader(HeaderValue.newBuilder().setKey(name).setValue(value))
                .setAppendAction(action)
                .build();
    }

    /**
     * Istio's fault translation: a fixed delay with its percentage (the deprecated integer {@code percent} when
     * {@code percentage} is absent), an abort with an HTTP status or a gRPC status (by name) and its percentage;
     * exponential delays and HTTP/2 errors are left out, and a fault with neither part is no fault.
     */
    static Optional<HTTPFault> fault(HTTPFaultInjection fault) {
        HTTPFault.Builder out = HTTPFault.newBuilder();
        if (fault.hasDelay() && fault.getDelay().hasFixedDelay()) {
            HTTPFaultInjection.Delay delay = fault.getDelay();
            out.setDelay(FaultDelay.newBuilder()
                    .setFixedDelay(delay.getFixedDelay())
                    .setPercentage(delay.hasPercentage() ? percent(delay.getPercentage())
                            : FractionalPercent.newBuilder().setNumerator(Math.max(0, delay.getPercent()))
                                    .setDenominator(FractionalPercent.DenominatorType.HUNDRED).build()));
        }
        if (fault.hasAbort()) {
            HTTPFaultInjection.Abort abort = fault.getAbort();
            FaultAbort.Builder outAbort = FaultAbort.newBuilder();
            if (abort.hasPercentage()) {
                outAbort.setPercentage(percent(abort.getPercentage()));
            }
            switch (abort.getErrorTypeCase()) {
                case HTTP_STATUS -> out.setAbort(outAbort.setHttpStatus(abort.getHttpStatus()));
                case GRPC_STATUS -> out.setAbort(outAbort.setGrpcStatus(grpcStatus(abort.getGrpcStatus())));
                default -> {
                }
            }
        }
        return out.hasDelay() || out.hasAbort() ? Optional.of(out.build()) : Optional.empty();
    }

    /** Istio's percent (a double, 0..100) as Envoy's fractional percent in millionths. */
    static FractionalPercent percent(Percent percent) {
        return FractionalPercent.newBuilder()
                .setNumerator((int) Math.round(Math.max(0, Math.min(100, percent.getValue())) * 10_000))
                .setDenominator(FractionalPercent.DenominatorType.MILLION)
                .build();
    }

    private static int grpcStatus(String name) {
        int code = GRPC_STATUSES.indexOf(name.toUpperCase(Locale.ROOT));
        return code < 0 ? GRPC_STATUSES.indexOf("UNKNOWN") : code;
    }
}
