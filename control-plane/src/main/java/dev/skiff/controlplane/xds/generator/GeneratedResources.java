package dev.skiff.controlplane.xds.generator;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.Message;
import dev.skiff.controlplane.model.DestinationRuleConfig;
import dev.skiff.controlplane.model.Hostnames;
import dev.skiff.controlplane.model.MeshSnapshot;
import dev.skiff.controlplane.xds.ProxyView;
import dev.skiff.controlplane.xds.TypeUrls;
import dev.skiff.controlplane.xds.XdsResource;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The resources of one {@link MeshSnapshot}, generated on first request and kept for the snapshot's lifetime.
 *
 * <p>Sharing works on two levels. Resource lists are cached per {@link ProxyContext} (proxies that resolve to the
 * same context get the same lists), outbound clusters and endpoints per service port and DestinationRule. Below
 * that, every generated message is interned by type, name and serialized bytes, so identical content is one
 * {@link XdsResource} instance whichever path produced it, and stays the instance of the previous snapshot when
 * an update did not change it.
 */
final class GeneratedResources {
    private static final int VERSION_BYTES = 8;

    private final MeshSnapshot mesh;
    private final ClusterGenerator clusterGenerator = new ClusterGenerator();
    private final TransportSocketGenerator transportSockets;
    private final EndpointGenerator endpointGenerator = new EndpointGenerator();
    private final ListenerGenerator listenerGenerator = new ListenerGenerator();
    private final RouteGenerator routeGenerator = new RouteGenerator();
    private final ConcurrentHashMap<ProxyView, ProxyContext> contexts = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<ProxyContext, ProxyResources> byContext = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<OutboundKey, List<XdsResource>> outboundClusters = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<OutboundKey, List<XdsResource>> outboundEndpoints = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<ContentKey, XdsResource> interned = new ConcurrentHashMap<>();
    private final Map<ContentKey, XdsResource> previouslyInterned;

    /**
     * The resources of the first snapshot.
     *
     * @param trustDomain the trust domain of the SPIFFE identities that mutual TLS verifies
     */
    GeneratedResources(MeshSnapshot mesh, String trustDomain) {
        this.mesh = mesh;
        this.previouslyInterned = Map.of();
        this.transportSockets = new TransportSocketGenerator(trustDomain);
    }

    /**
     * The resources of {@code mesh}, reusing the {@link XdsResource} instances of {@code previous} for identical
     * content (the previous snapshot's instances only, so no chain of snapshots stays reachable).
     */
    GeneratedResources(MeshSnapshot mesh, GeneratedResources previous) {
        this.mesh = mesh;
        this.previouslyInterned = previous.interned;
        this.transportSockets = previous.transportSockets;
    }

    MeshSnapshot mesh() {
        return mesh;
    }

    Collection<XdsResource> resources(ProxyView proxy, String typeUrl, Set<String> subscribed) {
        if (!TypeUrls.PUSH_ORDER.contains(typeUrl)) {
            throw new IllegalArgumentException("typeUrl: " + typeUrl + " (expected: one of " + TypeUrls.PUSH_ORDER
                    + ")");
        }
        ProxyContext context = contexts.computeIfAbsent(proxy, view -> ProxyContext.of(mesh, view));
        ProxyResources resources = byContext.computeIfAbsent(context, ProxyResources::new);
        Map<String, XdsResource> all = resources.all(typeUrl);
        if (subscribed.isEmpty()) {
            return all.values();
        }
        List<XdsResource> selected = new ArrayList<>(subscribed.size());
        for (String name : new TreeSet<>(subscribed)) {
            XdsResource resource = all.get(name);
            if (resource == null && context.kind() == ProxyView.Kind.PROXYLESS) {
                resource = resources.proxylessByName(typeUrl, name).orElse(null);
            }
            if (resource != null) {
                selected.add(resource);
            }
        }
        return selected;
    }

    /** The resource lists of one proxy context, by type, each keyed by resource name in push order. */
    private final class ProxyResources {
        private final ProxyContext context;
        private final List<OutboundPort> reachable;
        private final ConcurrentHashMap<String, Map<String, XdsResource>> byType = new ConcurrentHashMap<>();
        private final ConcurrentHashMap<String, Optional<XdsResource>> named = new ConcurrentHashMap<>();

        ProxyResources(ProxyContext context) {
            this.context = context;
            this.reachable = context.reachable(mesh);
        }

        Map<String, XdsResource> all(String typeUrl) {
            return byType.computeIfAbsent(typeUrl, this::generate);
        }

        private Map<String, XdsResource> generate(String typeUrl) {
            List<XdsResource> resources = new ArrayList<>();
            switch (typeUrl) {
                case TypeUrls.CLUSTER -> {
                    for (OutboundPort target : reachable) {
                        resources.addAll(outboundClusters.computeIfAbsent(outboundKey(target),
                                key -> internAll(TypeUrls.CLUSTER, key.sidecar()
                                        ? transportSockets.secure(clusterGenerator.outbound(key.target(),
                                        key.destinationRule()), key.target(), key.destinationRule(),
                                        mesh.instances(key.target().host(), key.target().number()))
                                        : clusterGenerator.outbound(key.target(), key.destinationRule()))));
                    }
                    if (context.kind() == ProxyView.Kind.SIDECAR) {
                        resources.addAll(internAll(TypeUrls.CLUSTER,
                                clusterGenerator.inbound(InboundPort.of(mesh, context))));
                    }
                }
                case TypeUrls.ENDPOINT -> {
                    for (OutboundPort target : reachable) {
                        resources.addAll(outboundEndpoints.computeIfAbsent(outboundKey(target),
                                key -> internAll(TypeUrls.ENDPOINT, endpointGenerator.outbound(key.target(),
                                        key.destinationRule(), mesh.instances(target.host(), target.number())))));
                    }
                }
                case TypeUrls.LISTENER -> {
                    if (context.kind() == ProxyView.Kind.SIDECAR) {
                        if (!context.address().isEmpty()) {
                            resources.addAll(internAll(TypeUrls.LISTENER, listenerGenerator.sidecarListeners(
                                    context.address(), reachable, InboundPort.of(mesh, context), mesh, context)));
                        }
                    } else {
                        for (OutboundPort target : reachable) {
                            if (target.port().protocol().isHttp()) {
                                String name = XdsNames.hostPort(target.host(), target.number());
                                resources.add(intern(TypeUrls.LISTENER, name,
                                        listenerGenerator.apiListener(name, name)));
                            }
                        }
                    }
                }
                default -> {
                    if (context.kind() == ProxyView.Kind.SIDECAR) {
                        for (int port : new TreeSet<>(reachable.stream()
                                .filter(target -> target.port().protocol().isHttp())
                                .map(OutboundPort::number).toList())) {
                            resources.add(intern(TypeUrls.ROUTE, XdsNames.portRoutes(port),
                                    routeGenerator.sidecarRoutes(port, reachable, mesh, context)));
                        }
                    } else {
                        for (OutboundPort target : reachable) {
                            if (target.port().protocol().isHttp()) {
                                resources.add(intern(TypeUrls.ROUTE, XdsNames.hostPort(target.host(),
                                        target.number()), routeGenerator.proxylessRoutes(target, mesh, context)));
                            }
                        }
                    }
                }
            }
            Map<String, XdsResource> byName = new LinkedHashMap<>();
            for (XdsResource resource : resources) {
                byName.putIfAbsent(resource.name(), resource);
            }
            return Collections.unmodifiableMap(byName);
        }

        /**
         * A listener or route configuration a proxyless client asked for by a name that is not among the ones
         * generated for every reachable HTTP port: {@code <host>:<port>} where the host may be a short name
         * (resolved in the client's namespace) and the port may be of any protocol.
         */
        Optional<XdsResource> proxylessByName(String typeUrl, String name) {
            if (!typeUrl.equals(TypeUrls.LISTENER) && !typeUrl.equals(TypeUrls.ROUTE)) {
                return Optional.empty();
            }
            return named.computeIfAbsent(typeUrl + " " + name, key -> {
                Optional<OutboundPort> target = target(name);
                if (target.isEmpty()) {
                    return Optional.empty();
                }
                String routeName = XdsNames.hostPort(target.get().host(), target.get().number());
                return Optional.of(typeUrl.equals(TypeUrls.LISTENER)
                        ? intern(TypeUrls.LISTENER, name, listenerGenerator.apiListener(name, routeName))
                        : intern(TypeUrls.ROUTE, name, routeGenerator.proxylessRoutes(target.get(), mesh, context)
                                .toBuilder().setName(name).build()));
            });
        }

        private Optional<OutboundPort> target(String name) {
            int colon = name.lastIndexOf(':');
            if (colon <= 0) {
                return Optional.empty();
            }
            int port;
            try {
                port = Integer.parseInt(name.substring(colon + 1));
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
            String host = Hostnames.resolve(name.substring(0, colon), context.namespace());
            for (OutboundPort target : reachable) {
                if (target.number() == port && target.host().equals(host)) {
                    return Optional.of(target);
                }
            }
            return Optional.empty();
        }

        private OutboundKey outboundKey(OutboundPort target) {
            return new OutboundKey(target, mesh.destinationRule(target.host(), context.namespace()),
                    context.kind() == ProxyView.Kind.SIDECAR);
        }
    }

    private List<XdsResource> internAll(String typeUrl, List<? extends Message> messages) {
        List<XdsResource> resources = new ArrayList<>(messages.size());
        for (Message message : messages) {
            resources.add(intern(typeUrl, resourceName(message), message));
        }
        return List.copyOf(resources);
    }

    private static String resourceName(Message message) {
        return switch (message) {
            case Cluster cluster -> cluster.getName();
            case ClusterLoadAssignment assignment -> assignment.getClusterName();
            case Listener listener -> listener.getName();
            case RouteConfiguration routes -> routes.getName();
            default -> throw new IllegalArgumentException("message: " + message.getDescriptorForType().getFullName()
                    + " (expected: Cluster, ClusterLoadAssignment, Listener or RouteConfiguration)");
        };
    }

    private XdsResource intern(String typeUrl, String name, Message message) {
        ByteString bytes = serialize(message);
        return interned.computeIfAbsent(new ContentKey(typeUrl, name, bytes), key -> {
            XdsResource earlier = previouslyInterned.get(key);
            return earlier != null ? earlier : new XdsResource(name,
                    Any.newBuilder().setTypeUrl(typeUrl).setValue(bytes).build(), version(bytes));
        });
    }

    /** Serialized with deterministic map ordering, so that equal messages have equal bytes. */
    static ByteString serialize(Message message) {
        try {
            ByteString.Output out = ByteString.newOutput(message.getSerializedSize());
            CodedOutputStream coded = CodedOutputStream.newInstance(out);
            coded.useDeterministicSerialization();
            message.writeTo(coded);
            coded.flush();
            return out.toByteString();
        } catch (IOException e) {
            throw new UncheckedIOException("serializing " + message.getDescriptorForType().getFullName()
                    + " into memory failed", e);
        }
    }

    /** The first 8 bytes of the SHA-256 of the resource's bytes, in hex. */
    static String version(ByteString bytes) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update(bytes.asReadOnlyByteBuffer());
            return HexFormat.of().formatHex(digest.digest(), 0, VERSION_BYTES);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available in this JVM (every Java SE runtime has it)", e);
        }
    }

    /** @param sidecar whether the clusters are a sidecar's, which carry transport sockets */
    private record OutboundKey(OutboundPort target, Optional<DestinationRuleConfig> destinationRule, boolean sidecar) {
    }

    private record ContentKey(String typeUrl, String name, ByteString bytes) {
    }
}
