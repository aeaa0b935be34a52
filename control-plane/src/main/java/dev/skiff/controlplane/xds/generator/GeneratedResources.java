package dev.skiff.controlplane.xds.generator;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.Message;
import dev.skiff.api.networking.v1alpha3.HTTPMatchRequest;
import dev.skiff.api.networking.v1alpha3.HTTPRoute;
import dev.skiff.controlplane.meshconfig.MeshConfig;
import dev.skiff.controlplane.model.DestinationRuleConfig;
import dev.skiff.controlplane.model.Hostnames;
import dev.skiff.controlplane.model.Labels;
import dev.skiff.controlplane.model.MeshSnapshot;
import dev.skiff.controlplane.xds.ProxyView;
import dev.skiff.controlplane.xds.TypeUrls;
import dev.skiff.controlplane.xds.XdsResource;
import dev.skiff.controlplane.xds.locality.ClientPlacement;
import dev.skiff.controlplane.xds.locality.LocalityLoadBalancing;
import dev.skiff.controlplane.xds.locality.ProxyLocality;
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
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The resources of one {@link MeshSnapshot}, generated on first request and kept for the snapshot's lifetime.
 *
 * <p>Each type's resource list is cached by exactly what that type depends on, so proxies share one list per
 * snapshot wherever their inputs agree: clusters by the proxy's {@link ProxyContext.Scope} and inbound ports,
 * endpoints by scope and the proxy's locality and failoverPriority labels (locality load balancing gives each
 * placement its own priorities and weights), route configurations by scope and the VirtualService source-label
 * selectors the proxy's labels match, listeners by the whole {@link ProxyContext} (they bind the workload's
 * address). Outbound clusters and endpoints are further shared per service port and DestinationRule. Below that,
 * every generated message is interned by type, name and serialized bytes, so identical content is one
 * {@link XdsResource} instance whichever path produced it, and stays the instance of the previous snapshot when an
 * update did not change it.
 */
final class GeneratedResources {
    private static final int VERSION_BYTES = 8;

    private final MeshSnapshot mesh;
    private final ClusterGenerator clusterGenerator = new ClusterGenerator();
    private final TransportSocketGenerator transportSockets;
    private final EndpointGenerator endpointGenerator = new EndpointGenerator();
    private final ListenerGenerator listenerGenerator;
    private final RouteGenerator routeGenerator = new RouteGenerator();
    private final OnceMap<ProxyView, ProxyContext> contexts = new OnceMap<>();
    private final OnceMap<ProxyContext, ProxyResources> byContext = new OnceMap<>();
    private final OnceMap<ProxyContext.Scope, ScopeResources> byScope = new OnceMap<>();
    private final OnceMap<ClusterKey, Map<String, XdsResource>> clusterLists = new OnceMap<>();
    private final OnceMap<EndpointListKey, Map<String, XdsResource>> endpointLists = new OnceMap<>();
    private final OnceMap<RouteKey, Map<String, XdsResource>> routeLists = new OnceMap<>();
    private final OnceMap<OutboundKey, List<XdsResource>> outboundClusters = new OnceMap<>();
    private final OnceMap<EndpointKey, List<XdsResource>> outboundEndpoints = new OnceMap<>();
    private final ConcurrentHashMap<ContentKey, XdsResource> interned = new ConcurrentHashMap<>();
    private final Map<ContentKey, XdsResource> previouslyInterned;

    /**
     * The resources of the first snapshot.
     *
     * @param trustDomain the trust domain of the SPIFFE identities that mutual TLS verifies
     * @param meshConfig  the mesh config (tracing providers)
     */
    GeneratedResources(MeshSnapshot mesh, String trustDomain, MeshConfig meshConfig) {
        this.mesh = mesh;
        this.previouslyInterned = Map.of();
        this.transportSockets = new TransportSocketGenerator(trustDomain);
        this.listenerGenerator = new ListenerGenerator(meshConfig);
    }

    /**
     * The resources of {@code mesh}, reusing the {@link XdsResource} instances of {@code previous} for identical
     * content (the previous snapshot's instances only, so no chain of snapshots stays reachable).
     */
    GeneratedResources(MeshSnapshot mesh, GeneratedResources previous) {
        this.mesh = mesh;
        this.previouslyInterned = previous.interned;
        this.transportSockets = previous.transportSockets;
        this.listenerGenerator = previous.listenerGenerator;
    }

    MeshSnapshot mesh() {
        return mesh;
    }

    Collection<XdsResource> resources(ProxyView proxy, String typeUrl, Set<String> subscribed) {
        if (!TypeUrls.PUSH_ORDER.contains(typeUrl)) {
            throw new IllegalArgumentException("typeUrl: " + typeUrl + " (expected: one of " + TypeUrls.PUSH_ORDER
                    + ")");
        }
        ProxyContext context = contexts.get(proxy, view -> ProxyContext.of(mesh, view));
        ProxyResources resources = byContext.get(context, ProxyResources::new);
        Map<String, XdsResource> all = resources.all(typeUrl);
        if (subscribed.isEmpty()) {
            return all.values();
        }
        List<XdsResource> selected = new ArrayList<>(Math.min(subscribed.size(), all.size()));
        for (XdsResource resource : all.values()) {
            if (subscribed.contains(resource.name())) {
                selected.add(resource);
            }
        }
        if (selected.size() < subscribed.size() && context.kind() == ProxyView.Kind.PROXYLESS) {
            for (String name : new TreeSet<>(subscribed)) {
                if (!all.containsKey(name)) {
                    resources.proxylessByName(typeUrl, name).ifPresent(selected::add);
                }
            }
        }
        return selected;
    }

    /**
     * The resource lists of one proxy context, by type, each keyed by resource name in push order: the shared lists
     * of its scope for clusters, endpoints and routes, its own for listeners.
     */
    private final class ProxyResources {
        private final ProxyContext context;
        private final ScopeResources scope;
        private final ConcurrentHashMap<String, Map<String, XdsResource>> byType = new ConcurrentHashMap<>();
        private final ConcurrentHashMap<String, Optional<XdsResource>> named = new ConcurrentHashMap<>();

        ProxyResources(ProxyContext context) {
            this.context = context;
            this.scope = byScope.get(context.scope(), ScopeResources::new);
        }

        Map<String, XdsResource> all(String typeUrl) {
            return byType.computeIfAbsent(typeUrl, this::lookUp);
        }

        private Map<String, XdsResource> lookUp(String typeUrl) {
            return switch (typeUrl) {
                case TypeUrls.CLUSTER -> {
                    List<InboundPort> inbound = context.kind() == ProxyView.Kind.SIDECAR
                            ? InboundPort.of(mesh, context) : List.of();
                    yield clusterLists.get(new ClusterKey(scope.scope, inbound),
                            key -> scope.clusters(key.inbound()));
                }
                case TypeUrls.ENDPOINT -> endpointLists.get(
                        new EndpointListKey(scope.scope, ClientPlacement.of(ProxyLocality.of(context),
                                context.labels(), scope.priorityLabelNames)),
                        key -> scope.endpoints(key.placement()));
                case TypeUrls.LISTENER -> listeners();
                default -> {
                    RouteKey key = new RouteKey(scope.scope, scope.matchingSourceSelectors(context.labels()));
                    yield routeLists.get(key, routeKey -> scope.routes(context.labels()));
                }
            };
        }

        private Map<String, XdsResource> listeners() {
            List<XdsResource> resources = new ArrayList<>();
            if (context.kind() == ProxyView.Kind.SIDECAR) {
                if (!context.address().isEmpty()) {
                    resources.addAll(internAll(TypeUrls.LISTENER, listenerGenerator.sidecarListeners(
                            context.address(), scope.reachable, InboundPort.of(mesh, context), mesh, context)));
                }
            } else {
                for (OutboundPort target : scope.reachable) {
                    if (target.port().protocol().isHttp()) {
                        String name = XdsNames.hostPort(target.host(), target.number());
                        resources.add(intern(TypeUrls.LISTENER, name, listenerGenerator.apiListener(name, name)));
                    }
                }
            }
            return byName(resources);
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
            for (OutboundPort target : scope.reachable) {
                if (target.number() == port && target.host().equals(host)) {
                    return Optional.of(target);
                }
            }
            return Optional.empty();
        }
    }

    /**
     * What the proxies of one scope share: the service ports they reach and the generation of the resource lists
     * that depend on nothing else (plus, for clusters, the inbound ports and, for routes, the labels' matches).
     */
    private final class ScopeResources {
        private final ProxyContext.Scope scope;
        private final List<OutboundPort> reachable;
        private final List<Map<String, String>> sourceSelectors;
        private final Set<String> priorityLabelNames;

        ScopeResources(ProxyContext.Scope scope) {
            this.scope = scope;
            this.reachable = List.copyOf(scope.reachable(mesh));
            this.sourceSelectors = sourceSelectors();
            this.priorityLabelNames = priorityLabelNames();
        }

        /** The labels the failoverPriority lists of the DestinationRules this scope sees name. */
        private Set<String> priorityLabelNames() {
            Set<String> names = new TreeSet<>();
            for (OutboundPort target : reachable) {
                mesh.destinationRule(target.host(), scope.namespace())
                        .ifPresent(rule -> names.addAll(LocalityLoadBalancing.priorityLabelNames(rule.spec())));
            }
            return Set.copyOf(names);
        }

        /**
         * The distinct non-empty {@code sourceLabels} of the HTTP matches of the VirtualServices this scope sees for
         * its HTTP ports: the only way a proxy's labels enter its route configurations.
         */
        private List<Map<String, String>> sourceSelectors() {
            Set<Map<String, String>> selectors = new LinkedHashSet<>();
            for (OutboundPort target : reachable) {
                if (!target.port().protocol().isHttp()) {
                    continue;
                }
                mesh.virtualService(target.host(), scope.namespace()).ifPresent(virtualService -> {
                    for (HTTPRoute route : virtualService.spec().getHttpList()) {
                        for (HTTPMatchRequest match : route.getMatchList()) {
                            if (!match.getSourceLabelsMap().isEmpty()) {
                                selectors.add(Map.copyOf(match.getSourceLabelsMap()));
                            }
                        }
                    }
                });
            }
            return List.copyOf(selectors);
        }

        /** The source-label selectors that {@code labels} match: proxies with equal matches get equal routes. */
        List<Map<String, String>> matchingSourceSelectors(Map<String, String> labels) {
            if (sourceSelectors.isEmpty()) {
                return List.of();
            }
            List<Map<String, String>> matching = new ArrayList<>(sourceSelectors.size());
            for (Map<String, String> selector : sourceSelectors) {
                if (Labels.matches(selector, labels)) {
                    matching.add(selector);
                }
            }
            return List.copyOf(matching);
        }

        Map<String, XdsResource> clusters(List<InboundPort> inbound) {
            List<XdsResource> resources = new ArrayList<>();
            for (OutboundPort target : reachable) {
                resources.addAll(outboundClusters.get(outboundKey(target),
                        key -> internAll(TypeUrls.CLUSTER, key.sidecar()
                                ? transportSockets.secure(clusterGenerator.outbound(key.target(),
                                key.destinationRule()), key.target(), key.destinationRule(),
                                mesh.instances(key.target().host(), key.target().number()))
                                : clusterGenerator.outbound(key.target(), key.destinationRule()))));
            }
            if (scope.kind() == ProxyView.Kind.SIDECAR) {
                resources.addAll(internAll(TypeUrls.CLUSTER, clusterGenerator.inbound(inbound)));
            }
            return byName(resources);
        }

        /** The endpoints as proxies of this scope placed at {@code client} receive them. */
        Map<String, XdsResource> endpoints(ClientPlacement client) {
            List<XdsResource> resources = new ArrayList<>();
            for (OutboundPort target : reachable) {
                OutboundKey outbound = outboundKey(target);
                ClientPlacement placement = client.keeping(outbound.destinationRule()
                        .map(rule -> LocalityLoadBalancing.priorityLabelNames(rule.spec())).orElse(Set.of()));
                resources.addAll(outboundEndpoints.get(new EndpointKey(outbound, placement),
                        key -> internAll(TypeUrls.ENDPOINT, endpointGenerator.outbound(target,
                                key.outbound().destinationRule(), mesh.instances(target.host(), target.number()),
                                key.client()))));
            }
            return byName(resources);
        }

        /**
         * The route configurations of the scope for proxies with {@code labels}, generated for a context that
         * carries nothing of the workload beyond them, so no proxy's address or WorkloadEntry can reach the list
         * other proxies share.
         */
        Map<String, XdsResource> routes(Map<String, String> labels) {
            ProxyContext shared = new ProxyContext(scope.kind(), scope.namespace(), Optional.empty(), "", labels,
                    scope.sidecar());
            List<XdsResource> resources = new ArrayList<>();
            if (scope.kind() == ProxyView.Kind.SIDECAR) {
                for (int port : new TreeSet<>(reachable.stream()
                        .filter(target -> target.port().protocol().isHttp())
                        .map(OutboundPort::number).toList())) {
                    resources.add(intern(TypeUrls.ROUTE, XdsNames.portRoutes(port),
                            routeGenerator.sidecarRoutes(port, reachable, mesh, shared)));
                }
            } else {
                for (OutboundPort target : reachable) {
                    if (target.port().protocol().isHttp()) {
                        resources.add(intern(TypeUrls.ROUTE, XdsNames.hostPort(target.host(), target.number()),
                                routeGenerator.proxylessRoutes(target, mesh, shared)));
                    }
                }
            }
            return byName(resources);
        }

        private OutboundKey outboundKey(OutboundPort target) {
            return new OutboundKey(target, mesh.destinationRule(target.host(), scope.namespace()),
                    scope.kind() == ProxyView.Kind.SIDECAR);
        }
    }

    /** The resources by name, in order; the first of a name wins. */
    private static Map<String, XdsResource> byName(List<XdsResource> resources) {
        Map<String, XdsResource> byName = new LinkedHashMap<>();
        for (XdsResource resource : resources) {
            byName.putIfAbsent(resource.name(), resource);
        }
        return Collections.unmodifiableMap(byName);
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

    /** @param inbound the sidecar's inbound ports (none for proxyless clients) */
    private record ClusterKey(ProxyContext.Scope scope, List<InboundPort> inbound) {
    }

    /** @param matchingSourceSelectors the VirtualService source-label selectors the proxy's labels match */
    private record RouteKey(ProxyContext.Scope scope, List<Map<String, String>> matchingSourceSelectors) {
    }

    /** @param sidecar whether the clusters are a sidecar's, which carry transport sockets */
    private record OutboundKey(OutboundPort target, Optional<DestinationRuleConfig> destinationRule, boolean sidecar) {
    }

    /** @param placement the proxies' locality and failoverPriority labels, which decide priorities and weights */
    private record EndpointListKey(ProxyContext.Scope scope, ClientPlacement placement) {
    }

    /** @param client the placement of the proxies that receive the endpoints, as far as the rule looks at it */
    private record EndpointKey(OutboundKey outbound, ClientPlacement client) {
    }

    private record ContentKey(String typeUrl, String name, ByteString bytes) {
    }
}
