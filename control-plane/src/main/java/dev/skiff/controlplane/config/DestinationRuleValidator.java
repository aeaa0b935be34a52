package dev.skiff.controlplane.config;

import dev.skiff.api.networking.v1alpha3.ClientTLSSettings;
import dev.skiff.api.networking.v1alpha3.ConnectionPoolSettings;
import dev.skiff.api.networking.v1alpha3.DestinationRule;
import dev.skiff.api.networking.v1alpha3.LoadBalancerSettings;
import dev.skiff.api.networking.v1alpha3.LocalityLoadBalancerSetting;
import dev.skiff.api.networking.v1alpha3.OutlierDetection;
import dev.skiff.api.networking.v1alpha3.Subset;
import dev.skiff.api.networking.v1alpha3.TrafficPolicy;
import dev.skiff.api.networking.v1alpha3.WarmupConfiguration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/** The checks Istio's validation webhook makes on a DestinationRule (and on the connection pools of a Sidecar). */
final class DestinationRuleValidator {
    private static final Set<String> TOPOLOGY_LABELS = Set.of("topology.kubernetes.io/region",
            "topology.kubernetes.io/zone", "topology.istio.io/subzone");

    private DestinationRuleValidator() {
    }

    static void validate(DestinationRule spec, FieldProblems problems) {
        Checks.host(problems, "spec.host", spec.getHost(), Checks.Wildcards.ANY);
        if (spec.hasTrafficPolicy()) {
            trafficPolicy(problems, "spec.trafficPolicy", spec.getTrafficPolicy());
        }
        Map<String, Integer> subsetNames = new HashMap<>();
        for (int i = 0; i < spec.getSubsetsCount(); i++) {
            Subset subset = spec.getSubsets(i);
            String path = "spec.subsets[" + i + "]";
            if (subset.getName().isEmpty()) {
                problems.add(path + ".name", "required");
            } else if (!Checks.isDns1123Label(subset.getName())) {
                problems.add(path + ".name", "\"" + subset.getName()
                        + "\" is not a valid subset name (expected: a DNS-1123 label such as v1)");
            } else {
                Integer first = subsetNames.putIfAbsent(subset.getName(), i);
                if (first != null) {
                    problems.add(path + ".name", "duplicate subset name \"" + subset.getName()
                            + "\" (already used by spec.subsets[" + first + "])");
                }
            }
            Checks.labels(problems, path + ".labels", subset.getLabelsMap());
            if (subset.hasTrafficPolicy()) {
                trafficPolicy(problems, path + ".trafficPolicy", subset.getTrafficPolicy());
            }
        }
        Checks.exportTo(problems, "spec.exportTo", spec.getExportToList(), false);
        if (spec.hasWorkloadSelector()) {
            Checks.labels(problems, "spec.workloadSelector.matchLabels", spec.getWorkloadSelector()
                    .getMatchLabelsMap());
        }
    }

    private static void trafficPolicy(FieldProblems problems, String path, TrafficPolicy policy) {
        if (policy.hasLoadBalancer()) {
            loadBalancer(problems, path + ".loadBalancer", policy.getLoadBalancer());
        }
        if (policy.hasConnectionPool()) {
            connectionPool(problems, path + ".connectionPool", policy.getConnectionPool());
        }
        if (policy.hasOutlierDetection()) {
            outlierDetection(problems, path + ".outlierDetection", policy.getOutlierDetection());
        }
        if (policy.hasTls()) {
            tls(problems, path + ".tls", policy.getTls());
        }
        Map<Integer, Integer> ports = new HashMap<>();
        for (int i = 0; i < policy.getPortLevelSettingsCount(); i++) {
            TrafficPolicy.PortTrafficPolicy portPolicy = policy.getPortLevelSettings(i);
            String portPath = path + ".portLevelSettings[" + i + "]";
            if (!portPolicy.hasPort()) {
                problems.add(portPath + ".port", "required");
            } else {
                int number = portPolicy.getPort().getNumber();
                Checks.port(problems, portPath + ".port.number", number);
                Integer first = ports.putIfAbsent(number, i);
                if (first != null && number != 0) {
                    problems.add(portPath + ".port.number", "duplicate port " + Integer.toUnsignedLong(number)
                            + " (already used by " + path + ".portLevelSettings[" + first + "])");
                }
            }
            if (portPolicy.hasLoadBalancer()) {
                loadBalancer(problems, portPath + ".loadBalancer", portPolicy.getLoadBalancer());
            }
            if (portPolicy.hasConnectionPool()) {
                connectionPool(problems, portPath + ".connectionPool", portPolicy.getConnectionPool());
            }
            if (portPolicy.hasOutlierDetection()) {
                outlierDetection(problems, portPath + ".outlierDetection", portPolicy.getOutlierDetection());
            }
            if (portPolicy.hasTls()) {
                tls(problems, portPath + ".tls", portPolicy.getTls());
            }
        }
        if (policy.hasTunnel()) {
            TrafficPolicy.TunnelSettings tunnel = policy.getTunnel();
            String protocol = tunnel.getProtocol();
            if (!protocol.isEmpty() && !protocol.equals("CONNECT") && !protocol.equals("POST")) {
                problems.add(path + ".tunnel.protocol", "unknown tunnel protocol \"" + protocol
                        + "\" (expected one of: CONNECT, POST)");
            }
            if (tunnel.getTargetHost().isEmpty()) {
                problems.add(path + ".tunnel.targetHost", "required");
            }
            Checks.port(problems, path + ".tunnel.targetPort", tunnel.getTargetPort());
        }
        if (policy.hasRetryBudget()) {
            Checks.percentage(problems, path + ".retryBudget.percent", policy.getRetryBudget().getPercent());
        }
    }

    /** Deprecated Istio fields are still accepted, so they are still checked. */
    @SuppressWarnings("deprecation")
    private static void loadBalancer(FieldProblems problems, String path, LoadBalancerSettings lb) {
        if (lb.hasConsistentHash()) {
            LoadBalancerSettings.ConsistentHashLB hash = lb.getConsistentHash();
            String hashPath = path + ".consistentHash";
            if (hash.hasHttpCookie()) {
                LoadBalancerSettings.ConsistentHashLB.HTTPCookie cookie = hash.getHttpCookie();
                if (cookie.getName().isEmpty()) {
                    problems.add(hashPath + ".httpCookie.name", "required");
                }
                if (!cookie.hasTtl()) {
                    problems.add(hashPath + ".httpCookie.ttl", "required (use 0s for a session cookie)");
                }
                Checks.nonNegative(problems, hashPath + ".httpCookie.ttl", cookie.hasTtl(), cookie.getTtl());
            }
            if (hash.getHashKeyCase() == LoadBalancerSettings.ConsistentHashLB.HashKeyCase.HTTP_HEADER_NAME
                    && !Checks.isHeaderName(hash.getHttpHeaderName())) {
                problems.add(hashPath + ".httpHeaderName", "\"" + hash.getHttpHeaderName()
                        + "\" is not a valid header name (expected: letters, digits and !#$%&'*+-.^_`|~)");
            }
            if (hash.getMinimumRingSize() != 0 && hash.getHashAlgorithmCase()
                    != LoadBalancerSettings.ConsistentHashLB.HashAlgorithmCase.HASHALGORITHM_NOT_SET) {
                problems.add(hashPath, "minimumRingSize and " + (hash.hasMaglev() ? "maglev" : "ringHash")
                        + " are both set (expected only one of: minimumRingSize, ringHash, maglev)");
            }
        }
        if (lb.hasLocalityLbSetting()) {
            locality(problems, path + ".localityLbSetting", lb.getLocalityLbSetting());
        }
        Checks.positive(problems, path + ".warmupDurationSecs", lb.hasWarmupDurationSecs(),
                lb.getWarmupDurationSecs());
        if (lb.hasWarmup()) {
            WarmupConfiguration warmup = lb.getWarmup();
            if (!warmup.hasDuration()) {
                problems.add(path + ".warmup.duration", "required");
            }
            Checks.positive(problems, path + ".warmup.duration", warmup.hasDuration(), warmup.getDuration());
            if (warmup.hasMinimumPercent()) {
                Checks.percentage(problems, path + ".warmup.minimumPercent", warmup.getMinimumPercent().getValue());
            }
            if (warmup.hasAggression() && !(warmup.getAggression().getValue() >= 1)) {
                problems.add(path + ".warmup.aggression", warmup.getAggression().getValue() + " (expected: >= 1)");
            }
        }
    }

    private static void locality(FieldProblems problems, String path, LocalityLoadBalancerSetting locality) {
        if (locality.getDistributeCount() > 0 && locality.getFailoverCount() > 0) {
            problems.add(path, "distribute and failover are both set (expected only one of them)");
        }
        for (int i = 0; i < locality.getDistributeCount(); i++) {
            LocalityLoadBalancerSetting.Distribute distribute = locality.getDistribute(i);
            String distributePath = path + ".distribute[" + i + "]";
            if (distribute.getFrom().isEmpty()) {
                problems.add(distributePath + ".from", "required");
            } else {
                localityPattern(problems, distributePath + ".from", distribute.getFrom());
            }
            long sum = 0;
            for (Map.Entry<String, Integer> to : distribute.getToMap().entrySet()) {
                localityPattern(problems, distributePath + ".to[" + to.getKey() + "]", to.getKey());
                long weight = Integer.toUnsignedLong(to.getValue());
                if (weight == 0 || weight > 100) {
                    problems.add(distributePath + ".to[" + to.getKey() + "]", weight
                            + " (expected: a weight from 1 to 100)");
                }
                sum += weight;
            }
            if (sum != 100) {
                problems.add(distributePath + ".to", "weights add up to " + sum + " (expected: 100)");
            }
        }
        for (int i = 0; i < locality.getFailoverCount(); i++) {
            LocalityLoadBalancerSetting.Failover failover = locality.getFailover(i);
            String failoverPath = path + ".failover[" + i + "]";
            if (failover.getFrom().isEmpty()) {
                problems.add(failoverPath + ".from", "required");
            }
            if (failover.getTo().isEmpty()) {
                problems.add(failoverPath + ".to", "required");
            }
            if (!failover.getFrom().isEmpty() && failover.getFrom().equals(failover.getTo())) {
                problems.add(failoverPath, "from and to are both \"" + failover.getFrom()
                        + "\" (expected: different regions)");
            }
            failoverRegion(problems, failoverPath + ".from", failover.getFrom());
            failoverRegion(problems, failoverPath + ".to", failover.getTo());
        }
        if (locality.getFailoverCount() > 0) {
            for (int i = 0; i < locality.getFailoverPriorityCount(); i++) {
                String label = locality.getFailoverPriority(i);
                if (TOPOLOGY_LABELS.contains(label)) {
                    problems.add(path + ".failoverPriority[" + i + "]", "topology label \"" + label
                            + "\" together with failover (expected: failover or the topology labels, not both)");
                }
            }
        }
    }

    /** {@code region}, {@code region/zone} or {@code region/zone/subzone}, each part non-empty, one final *. */
    private static void localityPattern(FieldProblems problems, String path, String locality) {
        String[] parts = locality.split("/", -1);
        int wildcards = locality.length() - locality.replace("*", "").length();
        boolean emptyPart = false;
        for (String part : parts) {
            emptyPart |= part.isEmpty();
        }
        if (parts.length > 3 || emptyPart || wildcards > 1 || (wildcards == 1 && !locality.endsWith("*"))) {
            problems.add(path, "\"" + locality + "\" is not a locality (expected: region, region/zone or"
                    + " region/zone/subzone, with at most one * as the last character)");
        }
    }

    private static void failoverRegion(FieldProblems problems, String path, String region) {
        if (region.contains("/") || region.contains("*")) {
            problems.add(path, "\"" + region + "\" (expected: a region, without / or *)");
        }
    }

    static void connectionPool(FieldProblems problems, String path, ConnectionPoolSettings pool) {
        if (pool.hasTcp()) {
            ConnectionPoolSettings.TCPSettings tcp = pool.getTcp();
            String tcpPath = path + ".tcp";
            Checks.nonNegative(problems, tcpPath + ".maxConnections", tcp.getMaxConnections());
            Checks.positive(problems, tcpPath + ".connectTimeout", tcp.hasConnectTimeout(), tcp.getConnectTimeout());
            Checks.positive(problems, tcpPath + ".maxConnectionDuration", tcp.hasMaxConnectionDuration(),
                    tcp.getMaxConnectionDuration());
            Checks.positive(problems, tcpPath + ".idleTimeout", tcp.hasIdleTimeout(), tcp.getIdleTimeout());
            if (tcp.hasTcpKeepalive()) {
                ConnectionPoolSettings.TCPSettings.TcpKeepalive keepalive = tcp.getTcpKeepalive();
                Checks.positive(problems, tcpPath + ".tcpKeepalive.time", keepalive.hasTime(), keepalive.getTime());
                Checks.positive(problems, tcpPath + ".tcpKeepalive.interval", keepalive.hasInterval(),
                        keepalive.getInterval());
            }
        }
        if (pool.hasHttp()) {
            ConnectionPoolSettings.HTTPSettings http = pool.getHttp();
            String httpPath = path + ".http";
            Checks.nonNegative(problems, httpPath + ".http1MaxPendingRequests", http.getHttp1MaxPendingRequests());
            Checks.nonNegative(problems, httpPath + ".http2MaxRequests", http.getHttp2MaxRequests());
            Checks.nonNegative(problems, httpPath + ".maxRequestsPerConnection", http.getMaxRequestsPerConnection());
            Checks.nonNegative(problems, httpPath + ".maxRetries", http.getMaxRetries());
            Checks.nonNegative(problems, httpPath + ".maxConcurrentStreams", http.getMaxConcurrentStreams());
            Checks.positive(problems, httpPath + ".idleTimeout", http.hasIdleTimeout(), http.getIdleTimeout());
        }
    }

    /** Deprecated Istio fields are still accepted, so they are still checked. */
    @SuppressWarnings("deprecation")
    private static void outlierDetection(FieldProblems problems, String path, OutlierDetection outlier) {
        Checks.nonNegative(problems, path + ".consecutiveErrors", outlier.getConsecutiveErrors());
        Checks.positive(problems, path + ".interval", outlier.hasInterval(), outlier.getInterval());
        Checks.positive(problems, path + ".baseEjectionTime", outlier.hasBaseEjectionTime(),
                outlier.getBaseEjectionTime());
        Checks.percentage(problems, path + ".maxEjectionPercent", outlier.getMaxEjectionPercent());
        Checks.percentage(problems, path + ".minHealthPercent", outlier.getMinHealthPercent());
    }

    private static void tls(FieldProblems problems, String path, ClientTLSSettings tls) {
        boolean hasFiles = !tls.getClientCertificate().isEmpty() || !tls.getPrivateKey().isEmpty()
                || !tls.getCaCertificates().isEmpty() || !tls.getCredentialName().isEmpty();
        boolean credentialAndFiles = !tls.getCredentialName().isEmpty() && (!tls.getClientCertificate().isEmpty()
                || !tls.getPrivateKey().isEmpty() || !tls.getCaCertificates().isEmpty());
        if (credentialAndFiles && tls.getMode() != ClientTLSSettings.TLSmode.ISTIO_MUTUAL) {
            problems.add(path, "credentialName and certificate files are both set (expected: credentialName, or "
                    + "clientCertificate, privateKey and caCertificates)");
        }
        switch (tls.getMode()) {
            case MUTUAL -> {
                if (tls.getCredentialName().isEmpty()) {
                    if (tls.getClientCertificate().isEmpty()) {
                        problems.add(path + ".clientCertificate", "required when mode is MUTUAL and no "
                                + "credentialName is set");
                    }
                    if (tls.getPrivateKey().isEmpty()) {
                        problems.add(path + ".privateKey", "required when mode is MUTUAL and no credentialName "
                                + "is set");
                    }
                }
            }
            case ISTIO_MUTUAL -> {
                if (hasFiles) {
                    problems.add(path, "mode ISTIO_MUTUAL uses the mesh certificates (expected no "
                            + "clientCertificate, privateKey, caCertificates or credentialName)");
                }
            }
            default -> {
            }
        }
    }
}
