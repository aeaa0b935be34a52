package dev.skiff.controlplane.model;

import dev.skiff.api.networking.v1alpha3.IstioEgressListener;
import dev.skiff.api.networking.v1alpha3.IstioIngressListener;
import dev.skiff.api.networking.v1alpha3.Sidecar;
import dev.skiff.api.networking.v1alpha3.SidecarPort;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A Sidecar resource: which workloads it applies to, what they may reach and how their inbound ports are served.
 *
 * @param namespace its namespace
 * @param name      its name
 * @param selector  the workload labels it applies to; empty means every workload of its namespace
 * @param egress    its egress listeners with their hosts parsed
 * @param ingress   its ingress listeners with their default endpoints parsed
 * @param spec      the spec as written
 */
public record SidecarConfig(String namespace, String name, Map<String, String> selector, List<Egress> egress,
                            List<Ingress> ingress, Sidecar spec) {
    /** The host of a {@code defaultEndpoint} that stands for the workload's own address. */
    public static final String INSTANCE_IP = "0.0.0.0";

    public SidecarConfig {
        selector = Map.copyOf(selector);
        egress = List.copyOf(egress);
        ingress = List.copyOf(ingress);
    }

    /**
     * One ingress listener.
     *
     * @param port         the port the sidecar listens on for the workload
     * @param portName     the port's name
     * @param protocol     the port's protocol
     * @param endpointHost where the application listens: {@code 127.0.0.1}, {@code [::1]} or {@link #INSTANCE_IP}
     * @param endpointPort the application's port
     */
    public record Ingress(int port, String portName, Protocol protocol, String endpointHost, int endpointPort) {
    }

    /**
     * One egress listener.
     *
     * @param port  the only service port it covers, or 0 for every port
     * @param hosts its {@code namespace/host} entries
     */
    public record Egress(int port, List<EgressHost> hosts) {
        public Egress {
            hosts = List.copyOf(hosts);
        }
    }

    /**
     * One {@code namespace/host} entry of an egress listener.
     *
     * @param namespace the namespace the service must be declared in, or {@code *} for any
     * @param host      a host pattern ({@code *}, {@code *.suffix} or a name)
     */
    public record EgressHost(String namespace, String host) {
        public boolean covers(MeshService service) {
            return (namespace.equals("*") || namespace.equals(service.namespace()))
                    && Hostnames.matches(host, service.host());
        }
    }

    /**
     * @throws IllegalArgumentException if an egress host is not of the form {@code namespace/host}, or an ingress
     *                                  listener has no port or a default endpoint that is not {@code host:port}
     */
    public static SidecarConfig of(String namespace, String name, Sidecar spec) {
        List<Egress> egress = new ArrayList<>();
        for (int i = 0; i < spec.getEgressCount(); i++) {
            IstioEgressListener listener = spec.getEgress(i);
            List<EgressHost> hosts = new ArrayList<>();
            for (int j = 0; j < listener.getHostsCount(); j++) {
                String entry = listener.getHosts(j);
                int slash = entry.indexOf('/');
                if (slash <= 0 || slash == entry.length() - 1) {
                    throw new IllegalArgumentException("egress[" + i + "].hosts[" + j + "]: " + entry
                            + " (expected: namespace/host, e.g. ./* or istio-system/*)");
                }
                String hostNamespace = entry.substring(0, slash);
                if (hostNamespace.equals("~")) {
                    continue;
                }
                hosts.add(new EgressHost(hostNamespace.equals(".") ? namespace : hostNamespace,
                        entry.substring(slash + 1)));
            }
            egress.add(new Egress(listener.hasPort() ? listener.getPort().getNumber() : 0, hosts));
        }
        List<Ingress> ingress = new ArrayList<>();
        for (int i = 0; i < spec.getIngressCount(); i++) {
            ingress.add(ingress(spec.getIngress(i), "ingress[" + i + "]"));
        }
        return new SidecarConfig(namespace, name, spec.getWorkloadSelector().getLabelsMap(), egress, ingress, spec);
    }

    private static Ingress ingress(IstioIngressListener listener, String path) {
        SidecarPort port = listener.getPort();
        if (port.getNumber() < 1 || port.getNumber() > 65535) {
            throw new IllegalArgumentException(path + ".port.number: " + port.getNumber() + " (expected: 1..65535)");
        }
        Protocol protocol;
        try {
            protocol = Protocol.of(port.getProtocol(), port.getName());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(path + ".port." + e.getMessage(), e);
        }
        String endpoint = listener.getDefaultEndpoint();
        if (endpoint.isEmpty()) {
            int target = port.getTargetPort() != 0 ? port.getTargetPort() : port.getNumber();
            return new Ingress(port.getNumber(), port.getName(), protocol, "127.0.0.1", target);
        }
        int colon = endpoint.lastIndexOf(':');
        String host = colon > 0 ? endpoint.substring(0, colon) : "";
        int endpointPort = colon > 0 ? parsePort(endpoint.substring(colon + 1)) : -1;
        if (endpointPort < 1 || !(host.equals("127.0.0.1") || host.equals("[::1]") || host.equals(INSTANCE_IP))) {
            throw new IllegalArgumentException(path + ".defaultEndpoint: " + endpoint
                    + " (expected: 127.0.0.1:PORT, [::1]:PORT or 0.0.0.0:PORT)");
        }
        return new Ingress(port.getNumber(), port.getName(), protocol,
                host.equals("[::1]") ? "::1" : host, endpointPort);
    }

    private static int parsePort(String text) {
        try {
            int port = Integer.parseInt(text);
            return port >= 1 && port <= 65535 ? port : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Whether a proxy governed by this Sidecar may reach {@code port} of {@code service}. */
    public boolean allowsEgress(MeshService service, int port) {
        if (egress.isEmpty()) {
            return true;
        }
        for (Egress listener : egress) {
            if (listener.port() != 0 && listener.port() != port) {
                continue;
            }
            for (EgressHost host : listener.hosts()) {
                if (host.covers(service)) {
                    return true;
                }
            }
        }
        return false;
    }
}
