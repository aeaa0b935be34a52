package dev.skiff.controlplane.model;

import dev.skiff.api.networking.v1alpha3.DestinationRule;
import dev.skiff.api.networking.v1alpha3.ServiceEntry;
import dev.skiff.api.networking.v1alpha3.Sidecar;
import dev.skiff.api.networking.v1alpha3.VirtualService;
import dev.skiff.api.networking.v1alpha3.WorkloadEntry;
import dev.skiff.controlplane.config.ConfigKey;
import dev.skiff.controlplane.config.ConfigKind;
import dev.skiff.controlplane.config.ConfigObject;
import dev.skiff.controlplane.config.ConfigSnapshot;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The immutable mesh model the generators read: services, their endpoints, workloads and the routing and policy
 * objects indexed by host. A new snapshot is built from the previous one and the current configuration; indexes
 * whose inputs did not change are carried over as they are.
 *
 * <p>Objects that cannot be used (a ServiceEntry host claimed by an earlier ServiceEntry, a malformed Sidecar egress
 * host, ...) are left out and described in {@link #problems()}.
 */
public final class MeshSnapshot {
    /** The namespace whose namespace-wide Sidecar applies to namespaces that have none (Istio's root namespace). */
    public static final String ROOT_NAMESPACE = "istio-system";

    private static final MeshSnapshot EMPTY = new MeshSnapshot(0, Map.of(), new Part<>(Services.EMPTY, List.of()),
            new Part<>(Map.of(), List.of()), new Part<>(Map.of(), List.of()), new Part<>(Routing.EMPTY, List.of()),
            new Part<>(List.of(), List.of()));

    private final long version;
    private final Map<ConfigKind, List<ConfigObject>> inputs;
    private final Part<Services> services;
    private final Part<Map<WorkloadName, Workload>> workloads;
    private final Part<Map<ServicePortKey, List<WorkloadInstance>>> instances;
    private final Part<Routing> routing;
    private final Part<List<SidecarConfig>> sidecars;
    private final PeerAuthentications peerAuthentications;
    private final AuthorizationPolicies authorizationPolicies;
    private final List<String> problems;

    private MeshSnapshot(long version, Map<ConfigKind, List<ConfigObject>> inputs, Part<Services> services,
                         Part<Map<WorkloadName, Workload>> workloads,
                         Part<Map<ServicePortKey, List<WorkloadInstance>>> instances, Part<Routing> routing,
                         Part<List<SidecarConfig>> sidecars) {
        this.version = version;
        this.inputs = inputs;
        this.services = services;
        this.workloads = workloads;
        this.instances = instances;
        this.routing = routing;
        this.sidecars = sidecars;
        this.peerAuthentications = inputs.isEmpty() ? PeerAuthentications.EMPTY
                : PeerAuthentications.of(inputs.getOrDefault(ConfigKind.PEER_AUTHENTICATION, List.of()));
        this.authorizationPolicies = inputs.isEmpty() ? AuthorizationPolicies.EMPTY
                : AuthorizationPolicies.of(inputs.getOrDefault(ConfigKind.AUTHORIZATION_POLICY, List.of()));
        List<String> all = new ArrayList<>();
        for (Part<?> part : List.of(services, workloads, instances, routing, sidecars)) {
            all.addAll(part.problems());
        }
        this.problems = List.copyOf(all);
    }

    /** One index of the snapshot and what could not go into it. */
    private record Part<T>(T value, List<String> problems) {
        Part {
            problems = List.copyOf(problems);
        }
    }

    /** The snapshot before any configuration: version 0, no services. */
    public static MeshSnapshot empty() {
        return EMPTY;
    }

    /**
     * The snapshot that follows {@code previous} for the configuration {@code config}. Its version is one more than
     * the previous one; indexes whose input objects are unchanged are shared with {@code previous}.
     */
    public static MeshSnapshot next(MeshSnapshot previous, ConfigSnapshot config) {
        Map<ConfigKind, List<ConfigObject>> inputs = new EnumMap<>(ConfigKind.class);
        for (ConfigKind kind : ConfigKind.values()) {
            inputs.put(kind, config.ofKind(kind));
        }
        boolean sameServiceEntries = previous.sameInputs(inputs, ConfigKind.SERVICE_ENTRY);
        boolean sameWorkloadEntries = previous.sameInputs(inputs, ConfigKind.WORKLOAD_ENTRY);
        boolean sameRouting = previous.sameInputs(inputs, ConfigKind.VIRTUAL_SERVICE)
                && previous.sameInputs(inputs, ConfigKind.DESTINATION_RULE);
        boolean sameSidecars = previous.sameInputs(inputs, ConfigKind.SIDECAR);

        Part<Services> services = sameServiceEntries
                ? previous.services : Services.build(inputs.get(ConfigKind.SERVICE_ENTRY));
        Part<Map<WorkloadName, Workload>> workloads = sameWorkloadEntries
                ? previous.workloads : buildWorkloads(inputs.get(ConfigKind.WORKLOAD_ENTRY));
        Part<Map<ServicePortKey, List<WorkloadInstance>>> instances = sameServiceEntries && sameWorkloadEntries
                ? previous.instances : buildInstances(services.value(), workloads.value());
        Part<Routing> routing = sameRouting ? previous.routing : Routing.build(
                inputs.get(ConfigKind.VIRTUAL_SERVICE), inputs.get(ConfigKind.DESTINATION_RULE));
        Part<List<SidecarConfig>> sidecars = sameSidecars
                ? previous.sidecars : buildSidecars(inputs.get(ConfigKind.SIDECAR));
        return new MeshSnapshot(previous.version + 1, Collections.unmodifiableMap(inputs), services, workloads,
                instances, routing, sidecars);
    }

    private boolean sameInputs(Map<ConfigKind, List<ConfigObject>> next, ConfigKind kind) {
        return inputs.getOrDefault(kind, List.of()).equals(next.get(kind));
    }

    /** The PeerAuthentication policies, which give each workload port its mutual TLS mode. */
    public PeerAuthentications peerAuthentications() {
        return peerAuthentications;
    }

    /** The AuthorizationPolicies, which give each workload its inbound RBAC filters. */
    public AuthorizationPolicies authorizationPolicies() {
        return authorizationPolicies;
    }

    /** The RequestAuthentication resources, which give workloads their inbound JWT authentication filter. */
    public List<ConfigObject> requestAuthentications() {
        return inputs.getOrDefault(ConfigKind.REQUEST_AUTHENTICATION, List.of());
    }

    /** The Telemetry resources, which set the metrics, tracing and access logs of workloads' listeners. */
    public List<ConfigObject> telemetries() {
        return inputs.getOrDefault(ConfigKind.TELEMETRY, List.of());
    }

    /** The LocalRateLimit resources, which give workloads their inbound token buckets. */
    public List<ConfigObject> localRateLimits() {
        return inputs.getOrDefault(ConfigKind.LOCAL_RATE_LIMIT, List.of());
    }

    /** The Fallback resources, which give routes the responses sidecars send instead of UO, UH and URX replies. */
    public List<ConfigObject> fallbacks() {
        return inputs.getOrDefault(ConfigKind.FALLBACK, List.of());
    }

    /** Grows by one with every snapshot built from a previous one. */
    public long version() {
        return version;
    }

    /** Every service, ordered by host. */
    public List<MeshService> services() {
        return services.value().ordered;
    }

    /** The service with this fully qualified host. */
    public Optional<MeshService> service(String host) {
        return Optional.ofNullable(services.value().byHost.get(host));
    }

    /** The endpoints of one service port, in a stable order (possibly empty). */
    public List<WorkloadInstance> instances(String host, int port) {
        return instances.value().getOrDefault(new ServicePortKey(host, port), List.of());
    }

    /** The WorkloadEntry {@code name} of {@code namespace}: a sidecar's own workload. */
    public Optional<Workload> workload(String namespace, String name) {
        return Optional.ofNullable(workloads.value().get(new WorkloadName(namespace, name)));
    }

    /** The services whose workload selector picks this workload, ordered by host. */
    public List<MeshService> servicesSelecting(Workload workload) {
        List<MeshService> selecting = new ArrayList<>();
        for (MeshService service : services.value().selecting) {
            if (service.selects(workload.namespace(), workload.labels())) {
                selecting.add(service);
            }
        }
        return selecting;
    }

    /**
     * The VirtualService that routes {@code host} for a proxy in {@code proxyNamespace}: among those that apply to
     * the mesh (not only to gateways) and are exported to that namespace, the one with the most specific matching
     * host (exact beats wildcard), then one of the proxy's own namespace, then the first by namespace and name.
     */
    public Optional<VirtualServiceConfig> virtualService(String host, String proxyNamespace) {
        VirtualServiceConfig best = null;
        int bestSpecificity = -1;
        for (VirtualServiceConfig candidate : routing.value().virtualServices.candidates(host)) {
            if (!candidate.appliesToMesh() || !candidate.exportTo().isVisibleTo(proxyNamespace)) {
                continue;
            }
            int specificity = candidate.matchSpecificity(host);
            if (specificity > bestSpecificity || specificity >= 0 && specificity == bestSpecificity
                    && candidate.namespace().equals(proxyNamespace) && !best.namespace().equals(proxyNamespace)) {
                best = candidate;
                bestSpecificity = specificity;
            }
        }
        return Optional.ofNullable(best);
    }

    /**
     * The DestinationRule for {@code host} seen from {@code proxyNamespace}: among those exported to that namespace,
     * the one with the most specific matching host, then one of the proxy's namespace, then one of the service's
     * namespace, then the first by namespace and name.
     */
    public Optional<DestinationRuleConfig> destinationRule(String host, String proxyNamespace) {
        MeshService service = services.value().byHost.get(host);
        String serviceNamespace = service != null ? service.namespace() : "";
        DestinationRuleConfig best = null;
        int bestSpecificity = -1;
        int bestPreference = 0;
        for (DestinationRuleConfig candidate : routing.value().destinationRules.candidates(host)) {
            if (!candidate.exportTo().isVisibleTo(proxyNamespace) || !Hostnames.matches(candidate.host(), host)) {
                continue;
            }
            int specificity = Hostnames.specificity(candidate.host());
            int preference = candidate.namespace().equals(proxyNamespace) ? 2
                    : candidate.namespace().equals(serviceNamespace) ? 1 : 0;
            if (specificity > bestSpecificity || specificity == bestSpecificity && preference > bestPreference) {
                best = candidate;
                bestSpecificity = specificity;
                bestPreference = preference;
            }
        }
        return Optional.ofNullable(best);
    }

    /**
     * The Sidecar that applies to a workload of {@code namespace} with these labels: one of its namespace whose
     * selector matches, else its namespace's Sidecar without selector, else the root namespace's.
     */
    public Optional<SidecarConfig> sidecar(String namespace, Map<String, String> labels) {
        SidecarConfig namespaceWide = null;
        SidecarConfig rootWide = null;
        for (SidecarConfig sidecar : sidecars.value()) {
            if (sidecar.namespace().equals(namespace)) {
                if (sidecar.selector().isEmpty()) {
                    namespaceWide = namespaceWide == null ? sidecar : namespaceWide;
                } else if (Labels.matches(sidecar.selector(), labels)) {
                    return Optional.of(sidecar);
                }
            } else if (sidecar.namespace().equals(ROOT_NAMESPACE) && sidecar.selector().isEmpty() && rootWide == null) {
                rootWide = sidecar;
            }
        }
        return Optional.ofNullable(namespaceWide != null ? namespaceWide : rootWide);
    }

    /** What could not be used from the configuration, one sentence each. */
    public List<String> problems() {
        return problems;
    }

    private record WorkloadName(String namespace, String name) {
    }

    private static Part<Map<WorkloadName, Workload>> buildWorkloads(Collection<ConfigObject> objects) {
        List<String> problems = new ArrayList<>();
        Map<WorkloadName, Workload> workloads = new LinkedHashMap<>();
        for (ConfigObject object : objects) {
            ConfigKey key = object.key();
            try {
                workloads.put(new WorkloadName(key.namespace(), key.name()),
                        workload(key.namespace(), key.name(), object.spec(WorkloadEntry.class)));
            } catch (IllegalArgumentException e) {
                problems.add(key + ": " + e.getMessage());
            }
        }
        return new Part<>(Collections.unmodifiableMap(workloads), problems);
    }

    private static Workload workload(String namespace, String name, WorkloadEntry entry) {
        if (entry.getAddress().isEmpty()) {
            throw new IllegalArgumentException("address: \"\" (expected: an IP address or host name)");
        }
        Map<String, Integer> ports = new HashMap<>();
        entry.getPortsMap().forEach((portName, number) -> ports.put(portName, number));
        return new Workload(namespace, name, entry.getAddress(), entry.getLabelsMap(), ports,
                Locality.parse(entry.getLocality()), entry.getWeight() == 0 ? 1 : entry.getWeight(),
                entry.getServiceAccount());
    }

    private static Part<Map<ServicePortKey, List<WorkloadInstance>>> buildInstances(
            Services services, Map<WorkloadName, Workload> workloads) {
        List<String> problems = new ArrayList<>();
        Map<String, List<Workload>> workloadsByNamespace = new HashMap<>();
        workloads.values().stream()
                .sorted(Comparator.comparing(Workload::namespace).thenComparing(Workload::name))
                .forEach(w -> workloadsByNamespace.computeIfAbsent(w.namespace(), ns -> new ArrayList<>()).add(w));
        Map<ServicePortKey, List<WorkloadInstance>> instances = new HashMap<>();
        for (MeshService service : services.ordered) {
            List<Workload> endpoints = new ArrayList<>();
            ServiceEntry entry = services.entries.get(service.host());
            for (int i = 0; i < entry.getEndpointsCount(); i++) {
                try {
                    endpoints.add(workload(service.namespace(), service.name() + "[" + i + "]", entry.getEndpoints(i)));
                } catch (IllegalArgumentException e) {
                    problems.add("ServiceEntry " + service.namespace() + "/" + service.name() + ": endpoints[" + i
                            + "]." + e.getMessage());
                }
            }
            if (!service.workloadSelector().isEmpty()) {
                for (Workload workload : workloadsByNamespace.getOrDefault(service.namespace(), List.of())) {
                    if (service.selects(workload.namespace(), workload.labels())) {
                        endpoints.add(workload);
                    }
                }
            }
            for (ServicePort port : service.ports()) {
                List<WorkloadInstance> forPort = new ArrayList<>(endpoints.size());
                for (Workload workload : endpoints) {
                    forPort.add(new WorkloadInstance(workload.address(), workload.portFor(port), workload.weight(),
                            workload.labels(), workload.locality(), workload.serviceAccount()));
                }
                instances.put(new ServicePortKey(service.host(), port.number()), List.copyOf(forPort));
            }
        }
        return new Part<>(Collections.unmodifiableMap(instances), problems);
    }

    private static Part<List<SidecarConfig>> buildSidecars(Collection<ConfigObject> objects) {
        List<String> problems = new ArrayList<>();
        List<SidecarConfig> sidecars = new ArrayList<>();
        for (ConfigObject object : objects) {
            try {
                Sidecar spec = object.spec(Sidecar.class);
                sidecars.add(SidecarConfig.of(object.key().namespace(), object.key().name(), spec));
                UnservedFeatures.of(spec).forEach(unserved -> problems.add(object.key() + ": " + unserved));
            } catch (IllegalArgumentException e) {
                problems.add(object.key() + ": " + e.getMessage());
            }
        }
        return new Part<>(List.copyOf(sidecars), problems);
    }

    /** Services by host, built from ServiceEntries; the first entry (by namespace, name) to claim a host keeps it. */
    private static final class Services {
        static final Services EMPTY = new Services(List.of(), Map.of(), Map.of(), List.of());

        final List<MeshService> ordered;
        final Map<String, MeshService> byHost;
        final Map<String, ServiceEntry> entries;
        final List<MeshService> selecting;

        Services(List<MeshService> ordered, Map<String, MeshService> byHost, Map<String, ServiceEntry> entries,
                 List<MeshService> selecting) {
            this.ordered = ordered;
            this.byHost = byHost;
            this.entries = entries;
            this.selecting = selecting;
        }

        static Part<Services> build(Collection<ConfigObject> objects) {
            List<String> problems = new ArrayList<>();
            Map<String, MeshService> byHost = new TreeMap<>();
            Map<String, ServiceEntry> entries = new HashMap<>();
            for (ConfigObject object : objects) {
                ConfigKey key = object.key();
                ServiceEntry entry = object.spec(ServiceEntry.class);
                List<ServicePort> ports;
                try {
                    ports = ports(entry);
                } catch (IllegalArgumentException e) {
                    problems.add(key + ": " + e.getMessage());
                    continue;
                }
                ExportTo exportTo = ExportTo.parse(entry.getExportToList(), key.namespace());
                for (String written : entry.getHostsList()) {
                    if (written.isEmpty()) {
                        problems.add(key + ": hosts: \"\" (expected: a host name)");
                        continue;
                    }
                    String host = Hostnames.resolve(written, key.namespace());
                    MeshService existing = byHost.get(host);
                    if (existing != null) {
                        problems.add(key + ": host " + host + " is already declared by ServiceEntry "
                                + existing.namespace() + "/" + existing.name() + " (expected: one ServiceEntry per host)");
                        continue;
                    }
                    byHost.put(host, new MeshService(host, key.namespace(), key.name(), ports, exportTo,
                            entry.getWorkloadSelector().getLabelsMap()));
                    entries.put(host, entry);
                }
            }
            List<MeshService> ordered = List.copyOf(byHost.values());
            reportSharedTcpPorts(ordered, problems);
            return new Part<>(new Services(ordered, Collections.unmodifiableMap(byHost), Map.copyOf(entries),
                    ordered.stream().filter(service -> !service.workloadSelector().isEmpty()).toList()), problems);
        }

        /**
         * A sidecar's outbound listener tells services apart by destination port alone: a port carries either the
         * HTTP services that use it (told apart by Host) or one TCP service, the first by host; TLS and HTTPS
         * services are told apart by SNI.
         */
        private static void reportSharedTcpPorts(List<MeshService> ordered, List<String> problems) {
            Map<Integer, List<MeshService>> byPort = new TreeMap<>();
            Map<Integer, MeshService> firstHttp = new HashMap<>();
            for (MeshService service : ordered) {
                for (ServicePort port : service.ports()) {
                    byPort.computeIfAbsent(port.number(), number -> new ArrayList<>()).add(service);
                    if (port.protocol().isHttp()) {
                        firstHttp.putIfAbsent(port.number(), service);
                    }
                }
            }
            byPort.forEach((number, services) -> {
                MeshService owner = firstHttp.get(number);
                for (MeshService service : services) {
                    Protocol protocol = service.port(number).orElseThrow().protocol();
                    if (protocol.isHttp() || protocol.isTls()) {
                        continue;
                    }
                    if (owner == null) {
                        owner = service;
                    } else {
                        problems.add("ServiceEntry " + service.namespace() + "/" + service.name() + ": TCP port "
                                + number + " of " + service.host() + " is also used by " + owner.host()
                                + ", so sidecars that see both send port " + number + " to " + owner.host()
                                + " (expected: a TCP port number used by no other service)");
                    }
                }
            });
        }

        private static List<ServicePort> ports(ServiceEntry entry) {
            List<ServicePort> ports = new ArrayList<>(entry.getPortsCount());
            for (int i = 0; i < entry.getPortsCount(); i++) {
                dev.skiff.api.networking.v1alpha3.ServicePort port = entry.getPorts(i);
                try {
                    ports.add(new ServicePort(port.getName(), port.getNumber(),
                            Protocol.of(port.getProtocol(), port.getName()),
                            port.getTargetPort() == 0 ? port.getNumber() : port.getTargetPort()));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("ports[" + i + "]." + e.getMessage(), e);
                }
            }
            return ports;
        }
    }

    /** VirtualServices and DestinationRules indexed by host, in namespace and name order. */
    private static final class Routing {
        static final Routing EMPTY = new Routing(List.of(), List.of());

        final HostIndex<VirtualServiceConfig> virtualServices;
        final HostIndex<DestinationRuleConfig> destinationRules;

        Routing(List<VirtualServiceConfig> virtualServices, List<DestinationRuleConfig> destinationRules) {
            this.virtualServices = new HostIndex<>(virtualServices, VirtualServiceConfig::hosts);
            this.destinationRules = new HostIndex<>(destinationRules, rule -> List.of(rule.host()));
        }

        static Part<Routing> build(Collection<ConfigObject> virtualServices,
                                   Collection<ConfigObject> destinationRules) {
            List<String> problems = new ArrayList<>();
            List<VirtualServiceConfig> resolvedVirtualServices = new ArrayList<>();
            for (ConfigObject object : virtualServices) {
                try {
                    VirtualService spec = object.spec(VirtualService.class);
                    resolvedVirtualServices.add(VirtualServiceConfig.of(object.key().namespace(), object.key().name(),
                            spec));
                    UnservedFeatures.of(spec).forEach(unserved -> problems.add(object.key() + ": " + unserved));
                } catch (IllegalArgumentException e) {
                    problems.add(object.key() + ": " + e.getMessage());
                }
            }
            List<DestinationRuleConfig> resolvedDestinationRules = new ArrayList<>();
            for (ConfigObject object : destinationRules) {
                try {
                    DestinationRule spec = object.spec(DestinationRule.class);
                    resolvedDestinationRules.add(DestinationRuleConfig.of(object.key().namespace(),
                            object.key().name(), spec));
                    UnservedFeatures.of(spec).forEach(unserved -> problems.add(object.key() + ": " + unserved));
                } catch (IllegalArgumentException e) {
                    problems.add(object.key() + ": " + e.getMessage());
                }
            }
            return new Part<>(new Routing(List.copyOf(resolvedVirtualServices), List.copyOf(resolvedDestinationRules)),
                    problems);
        }
    }
}
