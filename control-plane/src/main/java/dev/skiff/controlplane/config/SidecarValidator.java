package dev.skiff.controlplane.config;

import dev.skiff.api.networking.v1alpha3.IstioEgressListener;
import dev.skiff.api.networking.v1alpha3.IstioIngressListener;
import dev.skiff.api.networking.v1alpha3.OutboundTrafficPolicy;
import dev.skiff.api.networking.v1alpha3.Sidecar;
import dev.skiff.api.networking.v1alpha3.SidecarPort;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The checks Istio's validation webhook makes on a Sidecar. */
final class SidecarValidator {
    private static final Pattern LOOPBACK_ENDPOINT = Pattern.compile(
            "(127\\.0\\.0\\.1|0\\.0\\.0\\.0|\\[::1\\]|\\[::\\]):([0-9]{1,5})");

    private static final String UNIX_PREFIX = "unix://";

    private SidecarValidator() {
    }

    static void validate(Sidecar spec, FieldProblems problems) {
        if (spec.hasWorkloadSelector()) {
            Checks.labels(problems, "spec.workloadSelector.labels", spec.getWorkloadSelector().getLabelsMap());
        }
        Map<Integer, Integer> ingressPorts = new HashMap<>();
        for (int i = 0; i < spec.getIngressCount(); i++) {
            IstioIngressListener ingress = spec.getIngress(i);
            String path = "spec.ingress[" + i + "]";
            if (!ingress.hasPort()) {
                problems.add(path + ".port", "required");
            } else {
                port(problems, path + ".port", ingress.getPort());
                int number = ingress.getPort().getNumber();
                Integer first = number == 0 ? null : ingressPorts.putIfAbsent(number, i);
                if (first != null) {
                    problems.add(path + ".port.number", "duplicate port " + Integer.toUnsignedLong(number)
                            + " (already used by spec.ingress[" + first + "])");
                }
            }
            bind(problems, path + ".bind", ingress.getBind());
            defaultEndpoint(problems, path + ".defaultEndpoint", ingress.getDefaultEndpoint());
            if (ingress.hasConnectionPool()) {
                DestinationRuleValidator.connectionPool(problems, path + ".connectionPool",
                        ingress.getConnectionPool());
            }
        }
        int catchAll = -1;
        Map<Integer, Integer> egressPorts = new HashMap<>();
        for (int i = 0; i < spec.getEgressCount(); i++) {
            IstioEgressListener egress = spec.getEgress(i);
            String path = "spec.egress[" + i + "]";
            if (egress.hasPort()) {
                int number = egress.getPort().getNumber();
                if (number == 0 && egress.getBind().startsWith(UNIX_PREFIX)) {
                    Checks.protocol(problems, path + ".port.protocol", egress.getPort().getProtocol());
                } else {
                    port(problems, path + ".port", egress.getPort());
                    Integer first = number == 0 ? null : egressPorts.putIfAbsent(number, i);
                    if (first != null) {
                        problems.add(path + ".port.number", "duplicate port " + Integer.toUnsignedLong(number)
                                + " (already used by spec.egress[" + first + "])");
                    }
                }
            } else if (catchAll >= 0) {
                problems.add(path + ".port", "required: spec.egress[" + catchAll
                        + "] already has no port (expected: at most one egress listener without a port)");
            } else {
                catchAll = i;
                if (i != spec.getEgressCount() - 1) {
                    problems.add(path + ".port", "required unless this is the last egress listener");
                }
            }
            bind(problems, path + ".bind", egress.getBind());
            if (egress.getHostsCount() == 0) {
                problems.add(path + ".hosts", "at least one host is required (expected e.g. \"./*\" or "
                        + "\"istio-system/*\")");
            }
            for (int h = 0; h < egress.getHostsCount(); h++) {
                egressHost(problems, path + ".hosts[" + h + "]", egress.getHosts(h));
            }
        }
        if (spec.hasOutboundTrafficPolicy()) {
            OutboundTrafficPolicy policy = spec.getOutboundTrafficPolicy();
            if (policy.hasEgressProxy()) {
                String path = "spec.outboundTrafficPolicy.egressProxy";
                if (policy.getMode() != OutboundTrafficPolicy.Mode.ALLOW_ANY) {
                    problems.add(path, "needs mode ALLOW_ANY (mode is " + policy.getMode() + ")");
                }
                VirtualServiceValidator.destination(problems, path, policy.getEgressProxy());
                if (!policy.getEgressProxy().hasPort()) {
                    problems.add(path + ".port", "required");
                }
            }
        }
        if (spec.hasInboundConnectionPool()) {
            DestinationRuleValidator.connectionPool(problems, "spec.inboundConnectionPool",
                    spec.getInboundConnectionPool());
        }
    }

    private static void port(FieldProblems problems, String path, SidecarPort port) {
        Checks.port(problems, path + ".number", port.getNumber());
        Checks.protocol(problems, path + ".protocol", port.getProtocol());
        if (!port.getName().isEmpty() && !Checks.isDns1123Label(port.getName())) {
            problems.add(path + ".name", "\"" + port.getName()
                    + "\" is not a valid port name (expected: a DNS-1123 label such as http)");
        }
        Checks.optionalPort(problems, path + ".targetPort", port.getTargetPort());
    }

    private static void bind(FieldProblems problems, String path, String bind) {
        if (bind.startsWith(UNIX_PREFIX)) {
            Checks.unixAddress(problems, path, bind);
        } else if (!bind.isEmpty() && !Checks.isIp(bind)) {
            problems.add(path, "\"" + bind + "\" is not an IP address or unix:// path");
        }
    }

    private static void defaultEndpoint(FieldProblems problems, String path, String endpoint) {
        if (endpoint.isEmpty()) {
            return;
        }
        if (endpoint.startsWith(UNIX_PREFIX)) {
            Checks.unixAddress(problems, path, endpoint);
            return;
        }
        Matcher matcher = LOOPBACK_ENDPOINT.matcher(endpoint);
        if (!matcher.matches()) {
            problems.add(path, "\"" + endpoint + "\" is not a local endpoint (expected: 127.0.0.1:PORT, "
                    + "0.0.0.0:PORT, [::1]:PORT, [::]:PORT or unix:///path)");
            return;
        }
        int port = Integer.parseInt(matcher.group(2));
        if (port < 1 || port > 65535) {
            problems.add(path, "\"" + endpoint + "\": " + port + " is not a valid port (expected: 1 to 65535)");
        }
    }

    /** {@code namespace/dnsName}, the namespace being {@code *}, {@code .}, {@code ~} or a name. */
    private static void egressHost(FieldProblems problems, String path, String host) {
        int slash = host.indexOf('/');
        if (slash < 0) {
            problems.add(path, "\"" + host + "\" has no namespace (expected: namespace/dnsName, such as "
                    + "\"./*\", \"istio-system/*\" or \"*/reviews.default.svc.cluster.local\")");
            return;
        }
        String namespace = host.substring(0, slash);
        String name = host.substring(slash + 1);
        if (!namespace.equals("*") && !namespace.equals(".") && !namespace.equals("~")
                && !Checks.isDns1123Label(namespace)) {
            problems.add(path, "\"" + host + "\": \"" + namespace + "\" is not a namespace (expected: *, ., ~ "
                    + "or a namespace name)");
            return;
        }
        if (Checks.host(problems, path, name, Checks.Wildcards.ANY) && !name.equals("*") && !name.contains(".")) {
            problems.add(path, "\"" + host + "\": short names are not allowed here (expected: a fully qualified "
                    + "name such as " + namespace + "/" + name + ".default.svc.cluster.local, a wildcard, or *)");
        }
    }
}
