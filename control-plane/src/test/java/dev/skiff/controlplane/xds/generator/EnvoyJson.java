package dev.skiff.controlplane.xds.generator;

import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import dev.skiff.controlplane.xds.XdsResource;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import java.util.Collection;
import java.util.Comparator;
import java.util.Map;

/** Canonical JSON of generated resources: Envoy's JSON mapping, resources sorted by name, map keys sorted. */
final class EnvoyJson {
    private static final JsonFormat.Printer PRINTER = JsonFormat.printer()
            .usingTypeRegistry(JsonFormat.TypeRegistry.newBuilder()
                    .add(Cluster.getDescriptor())
                    .add(ClusterLoadAssignment.getDescriptor())
                    .add(Listener.getDescriptor())
                    .add(RouteConfiguration.getDescriptor())
                    .add(HttpConnectionManager.getDescriptor())
                    .add(Router.getDescriptor())
                    .add(TcpProxy.getDescriptor())
                    .add(dev.skiff.api.metadataexchange.MetadataExchange.getDescriptor())
                    .add(io.envoyproxy.envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector
                            .getDescriptor())
                    .add(HttpProtocolOptions.getDescriptor())
                    .add(RoutePolicies.PREVIOUS_HOSTS_DESCRIPTOR)
                    .add(io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault.getDescriptor())
                    .add(io.envoyproxy.envoy.extensions.filters.http.cors.v3.Cors.getDescriptor())
                    .build())
            .sortingMapKeys();
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final DefaultIndenter INDENTER = new DefaultIndenter("  ", "\n");
    private static final DefaultPrettyPrinter PRETTY = new DefaultPrettyPrinter()
            .withObjectIndenter(INDENTER)
            .withArrayIndenter(INDENTER);

    private EnvoyJson() {
    }

    /** {@code {"clusters": [...], "endpoints": [...], ...}} for the given sections, in the given order. */
    static String dump(Map<String, Collection<XdsResource>> sections) {
        ObjectNode root = MAPPER.createObjectNode();
        sections.forEach((section, resources) -> {
            ArrayNode array = root.putArray(section);
            resources.stream().sorted(Comparator.comparing(XdsResource::name)).forEach(resource -> {
                try {
                    array.add(MAPPER.readTree(PRINTER.print(resource.body())));
                } catch (InvalidProtocolBufferException | com.fasterxml.jackson.core.JsonProcessingException e) {
                    throw new IllegalStateException("resource " + resource.name() + " cannot be printed as JSON", e);
                }
            });
        });
        try {
            return MAPPER.writer(PRETTY).writeValueAsString(root) + "\n";
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("JSON tree cannot be written", e);
        }
    }
}
