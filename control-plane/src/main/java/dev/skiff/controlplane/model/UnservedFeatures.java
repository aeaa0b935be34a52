package dev.skiff.controlplane.model;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import dev.skiff.api.networking.v1alpha3.DestinationRule;
import dev.skiff.api.networking.v1alpha3.HTTPRoute;
import dev.skiff.api.networking.v1alpha3.LoadBalancerSettings;
import dev.skiff.api.networking.v1alpha3.Sidecar;
import dev.skiff.api.networking.v1alpha3.Subset;
import dev.skiff.api.networking.v1alpha3.TrafficPolicy;
import dev.skiff.api.networking.v1alpha3.VirtualService;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The parts of valid VirtualServices, DestinationRules and Sidecars that the xDS contract has no place for yet,
 * described so that {@link MeshSnapshot#problems()} tells users what their configuration does not do.
 */
final class UnservedFeatures {
    private static final Set<String> HTTP_ROUTE_SERVED = Set.of("name", "match", "route", "redirect",
            "direct_response", "timeout", "retries", "fault", "rewrite", "headers", "cors_policy", "mirror",
            "mirror_percent", "mirror_percentage", "mirrors");
    private static final String SERVED_ROUTE_FIELDS = "match, route, redirect, directResponse, timeout, retries, "
            + "fault, rewrite, headers, corsPolicy and mirrors";
    private static final Set<String> ROUTE_LESS = Set.of("delegate");
    private static final Set<String> DESTINATION_SERVED = Set.of("destination", "weight", "headers");
    private static final Set<String> L4_MATCH_SERVED = Set.of("port", "gateways", "source_labels",
            "source_namespace");
    private static final Set<String> POLICY_SERVED = Set.of("load_balancer", "port_level_settings",
            "connection_pool", "outlier_detection", "tls");
    private static final Set<String> PORT_POLICY_SERVED = Set.of("port", "load_balancer", "connection_pool",
            "outlier_detection", "tls");
    private static final Set<String> BALANCER_SERVED = Set.of("simple", "consistent_hash",
            "locality_lb_setting", "warmup_duration_secs", "warmup");
    private static final Set<String> SIDECAR_SERVED = Set.of("workload_selector", "ingress", "egress");
    private static final Set<String> INGRESS_SERVED = Set.of("port", "default_endpoint");
    private static final Set<String> EGRESS_SERVED = Set.of("port", "hosts");

    private UnservedFeatures() {
    }

    static List<String> of(VirtualService spec) {
        List<String> unserved = new ArrayList<>();
        for (int i = 0; i < spec.getTlsCount(); i++) {
            for (int j = 0; j < spec.getTls(i).getMatchCount(); j++) {
                if (spec.getTls(i).getMatch(j).getDestinationSubnetsCount() > 0) {
                    unserved.add("tls[" + i + "].match[" + j + "].destinationSubnets: this match is left out "
                            + "(sidecars tell outbound destinations apart by port and SNI, not by address)");
                }
            }
        }
        for (int i = 0; i < spec.getHttpCount(); i++) {
            HTTPRoute route = spec.getHttp(i);
            String path = "http[" + i + "]";
            for (FieldDescriptor field : route.getAllFields().keySet()) {
                if (ROUTE_LESS.contains(field.getName())) {
                    unserved.add(path + "." + field.getJsonName() + ": this route is left out (Skiff serves "
                            + "routes to destinations)");
                } else if (!HTTP_ROUTE_SERVED.contains(field.getName())) {
                    unserved.add(path + "." + field.getJsonName() + ": ignored (Skiff serves " + SERVED_ROUTE_FIELDS + ")");
                }
            }
            for (int j = 0; j < route.getRouteCount(); j++) {
                ignoredFields(route.getRoute(j), path + ".route[" + j + "]", DESTINATION_SERVED, unserved);
            }
        }
        for (int i = 0; i < spec.getTcpCount(); i++) {
            for (int j = 0; j < spec.getTcp(i).getMatchCount(); j++) {
                ignoredFields(spec.getTcp(i).getMatch(j), "tcp[" + i + "].match[" + j + "]", L4_MATCH_SERVED,
                        unserved);
            }
        }
        return unserved;
    }

    static List<String> of(DestinationRule spec) {
        List<String> unserved = new ArrayList<>();
        if (spec.hasTrafficPolicy()) {
            trafficPolicy(spec.getTrafficPolicy(), "trafficPolicy", unserved);
        }
        for (int i = 0; i < spec.getSubsetsCount(); i++) {
            Subset subset = spec.getSubsets(i);
            if (subset.hasTrafficPolicy()) {
                trafficPolicy(subset.getTrafficPolicy(), "subsets[" + i + "].trafficPolicy", unserved);
            }
        }
        return unserved;
    }

    static List<String> of(Sidecar spec) {
        List<String> unserved = new ArrayList<>();
        ignoredFields(spec, "", SIDECAR_SERVED, unserved);
        for (int i = 0; i < spec.getIngressCount(); i++) {
            ignoredFields(spec.getIngress(i), "ingress[" + i + "]", INGRESS_SERVED, unserved);
        }
        for (int i = 0; i < spec.getEgressCount(); i++) {
            ignoredFields(spec.getEgress(i), "egress[" + i + "]", EGRESS_SERVED, unserved);
        }
        return unserved;
    }

    private static void trafficPolicy(TrafficPolicy policy, String path, List<String> unserved) {
        ignoredFields(policy, path, POLICY_SERVED, unserved);
        if (policy.hasLoadBalancer()) {
            loadBalancer(policy.getLoadBalancer(), path + ".loadBalancer", unserved);
        }
        for (int i = 0; i < policy.getPortLevelSettingsCount(); i++) {
            TrafficPolicy.PortTrafficPolicy portPolicy = policy.getPortLevelSettings(i);
            String portPath = path + ".portLevelSettings[" + i + "]";
            ignoredFields(portPolicy, portPath, PORT_POLICY_SERVED, unserved);
            if (portPolicy.hasLoadBalancer()) {
                loadBalancer(portPolicy.getLoadBalancer(), portPath + ".loadBalancer", unserved);
            }
        }
    }

    private static void loadBalancer(LoadBalancerSettings settings, String path, List<String> unserved) {
        ignoredFields(settings, path, BALANCER_SERVED, unserved);
        boolean slowStartBalancer = switch (settings.getLbPolicyCase()) {
            case SIMPLE -> settings.getSimple() != LoadBalancerSettings.SimpleLB.RANDOM;
            case CONSISTENT_HASH -> false;
            case LBPOLICY_NOT_SET -> true;
        };
        if ((settings.hasWarmup() || settings.hasWarmupDurationSecs()) && !slowStartBalancer) {
            unserved.add(path + "." + (settings.hasWarmup() ? "warmup" : "warmupDurationSecs")
                    + ": ignored (warmup applies to ROUND_ROBIN and LEAST_REQUEST)");
        }
        if (settings.getLbPolicyCase() == LoadBalancerSettings.LbPolicyCase.SIMPLE) {
            switch (settings.getSimple()) {
                case PASSTHROUGH -> unserved.add(path + ".simple: " + settings.getSimple()
                        + " is served as ROUND_ROBIN (expected: ROUND_ROBIN, LEAST_REQUEST or RANDOM)");
                default -> {
                }
            }
        }
    }

    private static void ignoredFields(Message message, String path, Set<String> served, List<String> unserved) {
        for (FieldDescriptor field : message.getAllFields().keySet()) {
            if (!served.contains(field.getName())) {
                unserved.add((path.isEmpty() ? "" : path + ".") + field.getJsonName() + ": ignored");
            }
        }
    }
}
