package dev.skiff.controlplane.fallback;

import com.google.protobuf.Any;
import com.google.protobuf.UInt32Value;
import dev.skiff.api.policy.v1alpha1.Fallback;
import dev.skiff.controlplane.config.ConfigObject;
import io.envoyproxy.envoy.config.accesslog.v3.AccessLogFilter;
import io.envoyproxy.envoy.config.accesslog.v3.ResponseFlagFilter;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.route.v3.FilterConfig;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.LocalReplyConfig;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.ResponseMapper;
import java.util.Collection;
import java.util.Comparator;
import java.util.Map;
import java.util.TreeMap;

/**
 * Skiff's Fallback as route configuration: Envoy's {@code LocalReplyConfig}, the connection manager's local reply
 * mappers, scoped to one route by carrying it in the route's {@code typed_per_filter_config} under
 * {@value #FILTER_NAME}, wrapped in a {@code FilterConfig} marked optional so that Envoy and gRPC clients, which do
 * not know the name, ignore it. The one mapper's filter is a {@code response_flag_filter} with the fallback's
 * flags; it sets the status, the body (inline) and the headers (replacing those of the local reply).
 */
public final class FallbackGenerator {
    /** The name the per-route configuration is kept under. */
    public static final String FILTER_NAME = "skiff.filters.http.fallback";

    private FallbackGenerator() {
    }

    /**
     * The per-route configuration of a route to {@code host} named {@code routeName}: the first Fallback (by
     * namespace, then name) for that host whose routes are empty or name the route; empty when none applies.
     */
    public static Map<String, Any> typedPerFilterConfig(Collection<ConfigObject> fallbacks, String host,
                                                        String routeName) {
        return fallbacks.stream()
                .filter(object -> {
                    Fallback spec = object.spec(Fallback.class);
                    return spec.getHost().equals(host)
                            && (spec.getRoutesCount() == 0 || spec.getRoutesList().contains(routeName));
                })
                .min(Comparator.comparing((ConfigObject object) -> object.key().namespace())
                        .thenComparing(object -> object.key().name()))
                .map(object -> Map.of(FILTER_NAME, Any.pack(FilterConfig.newBuilder()
                        .setConfig(Any.pack(localReplyConfig(object.spec(Fallback.class))))
                        .setIsOptional(true)
                        .build())))
                .orElse(Map.of());
    }

    /** A Fallback as a local reply configuration with one mapper. */
    public static LocalReplyConfig localReplyConfig(Fallback fallback) {
        ResponseMapper.Builder mapper = ResponseMapper.newBuilder()
                .setFilter(AccessLogFilter.newBuilder().setResponseFlagFilter(ResponseFlagFilter.newBuilder()
                        .addAllFlags(fallback.getResponseFlagsList())))
                .setStatusCode(UInt32Value.of(fallback.getResponse().getStatus()))
                .setBody(DataSource.newBuilder().setInlineString(fallback.getResponse().getBody()));
        new TreeMap<>(fallback.getResponse().getHeadersMap()).forEach((name, value) -> mapper.addHeadersToAdd(
                HeaderValueOption.newBuilder()
                        .setHeader(HeaderValue.newBuilder().setKey(name).setValue(value))
                        .setAppendAction(HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD)));
        return LocalReplyConfig.newBuilder().addMappers(mapper).build();
    }
}
