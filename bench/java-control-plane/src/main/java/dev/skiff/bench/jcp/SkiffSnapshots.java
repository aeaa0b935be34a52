package dev.skiff.bench.jcp;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import dev.skiff.controlplane.config.ConfigSnapshot;
import dev.skiff.controlplane.xds.ProxyView;
import dev.skiff.controlplane.xds.TypeUrls;
import dev.skiff.controlplane.xds.XdsResource;
import dev.skiff.controlplane.xds.generator.DefaultXdsResourceProvider;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * java-control-plane snapshots holding exactly the resources Skiff's generators produce for a proxy. Messages are
 * parsed once per distinct resource and shared by every snapshot that holds it, so java-control-plane's
 * serializer cache sees one instance per resource, as it would in an application that builds snapshots from
 * shared objects. Each type's snapshot version is a digest of its resources' names and versions, so a type whose
 * resources did not change keeps its version and is not resent.
 */
final class SkiffSnapshots {
    private static final int VERSION_BYTES = 8;

    private final DefaultXdsResourceProvider provider = new DefaultXdsResourceProvider();
    private volatile Map<XdsResource, Message> parsed = new ConcurrentHashMap<>();
    private volatile Map<XdsResource, Message> previouslyParsed = Map.of();

    /** Serves {@code config} from now on. */
    synchronized void update(ConfigSnapshot config) {
        provider.update(config);
        previouslyParsed = parsed;
        parsed = new ConcurrentHashMap<>();
    }

    Snapshot snapshot(ProxyView proxy) {
        List<Cluster> clusters = messages(proxy, TypeUrls.CLUSTER, Cluster.class);
        List<ClusterLoadAssignment> endpoints = messages(proxy, TypeUrls.ENDPOINT, ClusterLoadAssignment.class);
        List<Listener> listeners = messages(proxy, TypeUrls.LISTENER, Listener.class);
        List<RouteConfiguration> routes = messages(proxy, TypeUrls.ROUTE, RouteConfiguration.class);
        return Snapshot.create(clusters, version(proxy, TypeUrls.CLUSTER), endpoints, version(proxy, TypeUrls.ENDPOINT),
                listeners, version(proxy, TypeUrls.LISTENER), routes, version(proxy, TypeUrls.ROUTE), List.of(), "");
    }

    private <T extends Message> List<T> messages(ProxyView proxy, String typeUrl, Class<T> type) {
        Collection<XdsResource> resources = provider.resources(proxy, typeUrl, Set.of());
        List<T> messages = new ArrayList<>(resources.size());
        Map<XdsResource, Message> current = parsed;
        for (XdsResource resource : resources) {
            messages.add(type.cast(current.computeIfAbsent(resource, r -> parse(r, type))));
        }
        return messages;
    }

    private Message parse(XdsResource resource, Class<? extends Message> type) {
        Message earlier = previouslyParsed.get(resource);
        if (earlier != null) {
            return earlier;
        }
        try {
            return resource.body().unpack(type);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("Skiff's generator produced a " + type.getSimpleName() + " '"
                    + resource.name() + "' that does not parse: " + e.getMessage(), e);
        }
    }

    private String version(ProxyView proxy, String typeUrl) {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available in this JVM (every Java platform must have it)", e);
        }
        for (XdsResource resource : provider.resources(proxy, typeUrl, Set.of())) {
            digest.update(resource.name().getBytes(StandardCharsets.UTF_8));
            digest.update((byte) 0);
            digest.update(resource.version().getBytes(StandardCharsets.UTF_8));
            digest.update((byte) 0);
        }
        return HexFormat.of().formatHex(digest.digest(), 0, VERSION_BYTES);
    }
}
