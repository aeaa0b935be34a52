package dev.skiff.proxy.xds;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import dev.skiff.proxy.model.ChainAction;
import dev.skiff.proxy.model.ClusterSpec;
import dev.skiff.proxy.model.EndpointSet;
import dev.skiff.proxy.model.FilterChainSpec;
import dev.skiff.proxy.model.HttpConnectionManagerSpec;
import dev.skiff.proxy.model.ListenerSpec;
import dev.skiff.proxy.model.ProxyConfigSnapshot;
import dev.skiff.proxy.model.RouteTable;
import dev.skiff.proxy.xds.translate.ClusterTranslator;
import dev.skiff.proxy.xds.translate.EndpointTranslator;
import dev.skiff.proxy.xds.translate.ListenerTranslator;
import dev.skiff.proxy.xds.translate.RouteTranslator;
import dev.skiff.proxy.xds.translate.TranslatedCluster;
import dev.skiff.proxy.xds.translate.TranslationException;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * Keeps the latest accepted resources of each type and turns them into {@link ProxyConfigSnapshot}s.
 *
 * <p>A snapshot is first published once CDS and LDS have arrived, together with the EDS assignment of every EDS
 * cluster and the RDS route configuration of every HTTP connection manager that names one (the first full
 * configuration). After that, every accepted response that changes a resource publishes a new snapshot; a cluster
 * whose endpoints have not arrived yet has no endpoint set in it until they do, and a listener whose route
 * configurations have not all arrived is warmed: its previous version (if any) keeps serving until they have.
 *
 * <p>CDS and LDS responses replace all clusters or listeners; EDS and RDS responses add or replace the resources
 * they carry, and an assignment or route configuration that no cluster or listener references any more is dropped.
 *
 * <p>Responses arrive one at a time on the ADS client's thread. A response is translated completely before anything
 * changes: one resource that cannot be translated rejects the whole response, and if the publisher throws, the
 * response is rejected too and the previous state stays. {@link #current()}, {@link #firstConfig()} and
 * {@link #configDumpJson()} may be called from any thread.
 */
public final class XdsConfigAssembler implements XdsResponseHandler {
    private static final Logger log = LoggerFactory.getLogger(XdsConfigAssembler.class);
    private static final int MAX_REASONS = 10;

    private final Node node;
    private final Clock clock;
    private final Instant started;
    private final Consumer<ProxyConfigSnapshot> publisher;
    private final ClusterTranslator clusterTranslator;
    private final EndpointTranslator endpointTranslator;
    private final ListenerTranslator listenerTranslator;
    private final RouteTranslator routeTranslator;
    private final CompletableFuture<ProxyConfigSnapshot> firstConfig = new CompletableFuture<>();

    private volatile AcceptedConfig accepted = AcceptedConfig.EMPTY;
    private volatile ProxyConfigSnapshot current;
    private volatile RenderedDump dump;
    private long publishedCount;

    /**
     * @param node      the node this proxy connects as (shown in the config dump)
     * @param clock     the source of {@code last_updated} times
     * @param publisher receives every new snapshot on the ADS client's thread; throwing rejects the response
     */
    public XdsConfigAssembler(Node node, Clock clock, Consumer<ProxyConfigSnapshot> publisher) {
        this.node = Objects.requireNonNull(node, "node");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.started = clock.instant();
        this.publisher = Objects.requireNonNull(publisher, "publisher");
        this.endpointTranslator = new EndpointTranslator();
        this.routeTranslator = new RouteTranslator();
        this.clusterTranslator = new ClusterTranslator(endpointTranslator);
        this.listenerTranslator = new ListenerTranslator(routeTranslator);
    }

    /** The latest published snapshot, or null before the first full configuration. */
    public ProxyConfigSnapshot current() {
        return current;
    }

    /** Whether the first full configuration has been published (and so applied). */
    public boolean hasFullConfig() {
        return current != null;
    }

    /** Completes with the first full configuration, once it has been published. */
    public CompletableFuture<ProxyConfigSnapshot> firstConfig() {
        return firstConfig.copy();
    }

    /** Everything accepted so far, as Envoy's {@code /config_dump} JSON; rendered once per accepted state. */
    public String configDumpJson() {
        AcceptedConfig config = accepted;
        RenderedDump rendered = dump;
        if (rendered != null && rendered.config() == config) {
            return rendered.json();
        }
        try {
            String json = ConfigDumpRenderer.render(node, started, config);
            dump = new RenderedDump(config, json);
            return json;
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("config dump: an accepted resource cannot be printed as JSON: "
                    + e.getMessage(), e);
        }
    }

    private record RenderedDump(AcceptedConfig config, String json) {
    }

    @Override
    public void onResponse(String typeUrl, String version, List<Any> resources) throws XdsRejectedException {
        AcceptedConfig before = accepted;
        Instant now = clock.instant();
        AcceptedConfig next = switch (typeUrl) {
            case XdsTypeUrls.CLUSTER -> {
                Map<String, AcceptedResource<TranslatedCluster>> clusters = translateAll(resources, Cluster.class,
                        "cluster", Cluster::getName, clusterTranslator::translate, before.clusters(), version, now);
                Set<String> wanted = edsServiceNames(clusters);
                yield before.withClusters(version, clusters, retain(before.endpoints(), wanted));
            }
            case XdsTypeUrls.ENDPOINT -> {
                Map<String, AcceptedResource<EndpointSet>> received = translateAll(resources,
                        ClusterLoadAssignment.class, "cluster_load_assignment", ClusterLoadAssignment::getClusterName,
                        cla -> endpointTranslator.translate(cla, cla.getClusterName()), before.endpoints(), version, now);
                yield before.withEndpoints(merge(before.endpoints(), received, edsServiceNames(before.clusters())));
            }
            case XdsTypeUrls.LISTENER -> {
                Map<String, AcceptedResource<ListenerSpec>> listeners = translateAll(resources, Listener.class,
                        "listener", Listener::getName, listenerTranslator::translate, before.listeners(), version, now);
                yield before.withListeners(version, listeners, retain(before.routes(), routeNames(listeners)));
            }
            case XdsTypeUrls.ROUTE -> {
                Map<String, AcceptedResource<RouteTable>> received = translateAll(resources, RouteConfiguration.class,
                        "route_configuration", RouteConfiguration::getName, routeTranslator::translate,
                        before.routes(), version, now);
                yield before.withRoutes(merge(before.routes(), received, routeNames(before.listeners())));
            }
            default -> throw new XdsRejectedException("type " + typeUrl + " unsupported (expected: one of "
                    + XdsTypeUrls.ALL + ")");
        };
        if (current == null ? isComplete(next) : !next.sameResources(before)) {
            publish(next);
        }
        accepted = next;
    }

    @Override
    public Set<String> resourceNames(String typeUrl) {
        AcceptedConfig config = accepted;
        return switch (typeUrl) {
            case XdsTypeUrls.ENDPOINT -> edsServiceNames(config.clusters());
            case XdsTypeUrls.ROUTE -> routeNames(config.listeners());
            default -> Set.of();
        };
    }

    private void publish(AcceptedConfig config) {
        Map<String, RouteTable> routeTables = new HashMap<>();
        config.routes().forEach((name, route) -> routeTables.put(name, route.translated()));
        List<ListenerSpec> listeners = warmedListeners(config, routeTables);
        Map<String, ClusterSpec> clusters = new HashMap<>();
        Map<String, EndpointSet> endpoints = new HashMap<>();
        for (AcceptedResource<TranslatedCluster> accepted : config.clusters().values()) {
            TranslatedCluster cluster = accepted.translated();
            clusters.put(cluster.name(), cluster.spec());
            EndpointSet set = cluster.staticEndpoints();
            if (set == null) {
                AcceptedResource<EndpointSet> assignment = config.endpoints().get(cluster.edsServiceName());
                set = assignment == null ? null : forCluster(assignment.translated(), cluster.name());
            }
            if (set != null) {
                endpoints.put(cluster.name(), set);
            }
        }
        String version = Long.toString(publishedCount + 1);
        ProxyConfigSnapshot snapshot = new ProxyConfigSnapshot(version, listeners, routeTables, clusters, endpoints);
        publisher.accept(snapshot);
        publishedCount++;
        current = snapshot;
        log.info("configuration {} published: {} listeners, {} route tables, {} clusters, {} endpoint sets"
                        + " (CDS {}, LDS {})", version, listeners.size(), routeTables.size(), clusters.size(),
                endpoints.size(), config.clusterVersion(), config.listenerVersion());
        if (!firstConfig.isDone()) {
            log.info("first full configuration received");
            firstConfig.complete(snapshot);
        }
    }

    /**
     * The listeners to serve: every accepted listener whose route configurations have all arrived. One still
     * waiting for some (a new port's routes, say) is not served yet; if an earlier version of it was, that version
     * keeps serving, with the route tables it used, until the new one is complete, as Envoy warms listeners.
     */
    private List<ListenerSpec> warmedListeners(AcceptedConfig config, Map<String, RouteTable> routeTables) {
        ProxyConfigSnapshot previous = current;
        List<ListenerSpec> listeners = new ArrayList<>(config.listeners().size());
        for (AcceptedResource<ListenerSpec> accepted : config.listeners().values()) {
            ListenerSpec listener = accepted.translated();
            Set<String> missing = new TreeSet<>(routeNamesOf(listener));
            missing.removeAll(routeTables.keySet());
            if (missing.isEmpty()) {
                listeners.add(listener);
                continue;
            }
            ListenerSpec serving = previous == null ? null : listenerNamed(previous, listener.name());
            if (serving == null) {
                log.info("listener {} waits for route configurations {} before it is served", listener.name(),
                        missing);
                continue;
            }
            log.info("listener {} waits for route configurations {}; its previous version keeps serving",
                    listener.name(), missing);
            listeners.add(serving);
            for (String name : routeNamesOf(serving)) {
                RouteTable table = previous.routeTable(name);
                if (table != null) {
                    routeTables.putIfAbsent(name, table);
                }
            }
        }
        return listeners;
    }

    private static ListenerSpec listenerNamed(ProxyConfigSnapshot snapshot, String name) {
        for (ListenerSpec listener : snapshot.listeners()) {
            if (listener.name().equals(name)) {
                return listener;
            }
        }
        return null;
    }

    private static EndpointSet forCluster(EndpointSet set, String cluster) {
        return set.cluster().equals(cluster) ? set : new EndpointSet(cluster, set.endpoints());
    }

    private static boolean isComplete(AcceptedConfig config) {
        return config.clustersReceived() && config.listenersReceived()
                && config.endpoints().keySet().containsAll(edsServiceNames(config.clusters()))
                && config.routes().keySet().containsAll(routeNames(config.listeners()));
    }

    private static Set<String> edsServiceNames(Map<String, AcceptedResource<TranslatedCluster>> clusters) {
        Set<String> names = new TreeSet<>();
        for (AcceptedResource<TranslatedCluster> cluster : clusters.values()) {
            if (cluster.translated().edsServiceName() != null) {
                names.add(cluster.translated().edsServiceName());
            }
        }
        return Collections.unmodifiableSet(names);
    }

    private static Set<String> routeNames(Map<String, AcceptedResource<ListenerSpec>> listeners) {
        Set<String> names = new TreeSet<>();
        for (AcceptedResource<ListenerSpec> listener : listeners.values()) {
            names.addAll(routeNamesOf(listener.translated()));
        }
        return Collections.unmodifiableSet(names);
    }

    /** The RDS route configurations a listener's HTTP connection managers name. */
    private static Set<String> routeNamesOf(ListenerSpec listener) {
        Set<String> names = new TreeSet<>();
        for (FilterChainSpec chain : listener.chains()) {
            ChainAction action = chain.action();
            if (action instanceof HttpConnectionManagerSpec hcm && hcm.routeTableName() != null) {
                names.add(hcm.routeTableName());
            }
        }
        return names;
    }

    private static <T> Map<String, AcceptedResource<T>> retain(Map<String, AcceptedResource<T>> resources,
            Set<String> wanted) {
        if (wanted.containsAll(resources.keySet())) {
            return resources;
        }
        Map<String, AcceptedResource<T>> kept = new TreeMap<>(resources);
        kept.keySet().retainAll(wanted);
        return Collections.unmodifiableMap(kept);
    }

    /** Adds the received resources that are still wanted; resources of other names stay as they are. */
    private static <T> Map<String, AcceptedResource<T>> merge(Map<String, AcceptedResource<T>> previous,
            Map<String, AcceptedResource<T>> received, Set<String> wanted) {
        Map<String, AcceptedResource<T>> merged = new TreeMap<>(previous);
        received.forEach((name, resource) -> {
            if (wanted.contains(name)) {
                merged.put(name, resource);
            } else {
                log.debug("resource {} received but not subscribed; ignored", name);
            }
        });
        return Collections.unmodifiableMap(merged);
    }

    private static <M extends Message, T> Map<String, AcceptedResource<T>> translateAll(List<Any> resources,
            Class<M> type, String kind, java.util.function.Function<M, String> nameOf, Translation<M, T> translation,
            Map<String, AcceptedResource<T>> previous, String version, Instant now) throws XdsRejectedException {
        Map<String, AcceptedResource<T>> translated = new TreeMap<>();
        List<String> reasons = new ArrayList<>();
        for (Any any : resources) {
            M message;
            try {
                if (!any.is(type)) {
                    reasons.add("resource of type " + any.getTypeUrl() + " in a " + kind + " response (expected: "
                            + "type.googleapis.com/" + com.google.protobuf.Internal.getDefaultInstance(type)
                            .getDescriptorForType().getFullName() + ")");
                    continue;
                }
                message = any.unpack(type);
            } catch (InvalidProtocolBufferException e) {
                reasons.add(kind + ": cannot be decoded: " + e.getMessage());
                continue;
            }
            String name = nameOf.apply(message);
            if (name.isEmpty()) {
                reasons.add(kind + ": name is empty (expected: a resource name)");
                continue;
            }
            if (translated.containsKey(name)) {
                reasons.add(kind + " " + name + ": appears twice in the response (expected: unique names)");
                continue;
            }
            AcceptedResource<T> old = previous.get(name);
            if (old != null && old.raw().equals(message)) {
                translated.put(name, old);
                continue;
            }
            try {
                translated.put(name, new AcceptedResource<>(name, message, translation.apply(message), version, now));
            } catch (TranslationException e) {
                reasons.add(e.getMessage());
            }
        }
        if (!reasons.isEmpty()) {
            String joined = String.join("; ", reasons.subList(0, Math.min(MAX_REASONS, reasons.size())));
            if (reasons.size() > MAX_REASONS) {
                joined += "; and " + (reasons.size() - MAX_REASONS) + " more";
            }
            throw new XdsRejectedException(joined);
        }
        return Collections.unmodifiableMap(translated);
    }

    @FunctionalInterface
    private interface Translation<M, T> {
        T apply(M message) throws TranslationException;
    }

    /**
     * The accepted state of every type, replaced as a whole on each accepted response.
     *
     * @param clusterVersion    the version of the last accepted CDS response
     * @param clustersReceived  whether a CDS response was accepted
     * @param clusters          clusters by name
     * @param endpoints         load assignments by EDS service name
     * @param listenerVersion   the version of the last accepted LDS response
     * @param listenersReceived whether an LDS response was accepted
     * @param listeners         listeners by name
     * @param routes            route configurations by name
     */
    record AcceptedConfig(String clusterVersion, boolean clustersReceived,
                          Map<String, AcceptedResource<TranslatedCluster>> clusters,
                          Map<String, AcceptedResource<EndpointSet>> endpoints,
                          String listenerVersion, boolean listenersReceived,
                          Map<String, AcceptedResource<ListenerSpec>> listeners,
                          Map<String, AcceptedResource<RouteTable>> routes) {
        static final AcceptedConfig EMPTY = new AcceptedConfig("", false, Map.of(), Map.of(), "", false, Map.of(),
                Map.of());

        AcceptedConfig withClusters(String version, Map<String, AcceptedResource<TranslatedCluster>> newClusters,
                Map<String, AcceptedResource<EndpointSet>> newEndpoints) {
            return new AcceptedConfig(version, true, newClusters, newEndpoints, listenerVersion, listenersReceived,
                    listeners, routes);
        }

        AcceptedConfig withEndpoints(Map<String, AcceptedResource<EndpointSet>> newEndpoints) {
            return new AcceptedConfig(clusterVersion, clustersReceived, clusters, newEndpoints, listenerVersion,
                    listenersReceived, listeners, routes);
        }

        AcceptedConfig withListeners(String version, Map<String, AcceptedResource<ListenerSpec>> newListeners,
                Map<String, AcceptedResource<RouteTable>> newRoutes) {
            return new AcceptedConfig(clusterVersion, clustersReceived, clusters, endpoints, version, true,
                    newListeners, newRoutes);
        }

        AcceptedConfig withRoutes(Map<String, AcceptedResource<RouteTable>> newRoutes) {
            return new AcceptedConfig(clusterVersion, clustersReceived, clusters, endpoints, listenerVersion,
                    listenersReceived, listeners, newRoutes);
        }

        /** Whether both hold the same resources (the same accepted entries), whatever the response versions. */
        boolean sameResources(AcceptedConfig other) {
            return clusters.equals(other.clusters) && endpoints.equals(other.endpoints)
                    && listeners.equals(other.listeners) && routes.equals(other.routes);
        }
    }
}
