package dev.skiff.controlplane.xds.generator;

import dev.skiff.controlplane.model.MeshService;
import dev.skiff.controlplane.model.MeshSnapshot;
import dev.skiff.controlplane.model.Protocol;
import dev.skiff.controlplane.model.ServicePort;
import dev.skiff.controlplane.model.SidecarConfig;
import dev.skiff.controlplane.model.Workload;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * One port on which a sidecar receives traffic for its own workload.
 *
 * @param clusterPort  the service port, naming the cluster {@code inbound|<clusterPort>||}
 * @param listenerPort the port the inbound listener binds on the workload address
 * @param protocol     the port's protocol
 * @param endpointHost where the application listens
 * @param endpointPort the application's port
 */
public record InboundPort(int clusterPort, int listenerPort, Protocol protocol, String endpointHost,
                          int endpointPort) {
    /** The application address when nothing else is configured. */
    public static final String LOCALHOST = "127.0.0.1";

    /** {@code inbound|<clusterPort>||}. */
    public String clusterName() {
        return XdsNames.inboundCluster(clusterPort);
    }

    /**
     * The inbound ports of a sidecar: its Sidecar resource's ingress listeners when it has any, else every port of
     * every service selecting its workload (bound on the workload's port for it, forwarding to the application on
     * {@code 127.0.0.1} at that port). Listener ports and cluster ports are unique; the first service (by host) to
     * claim one keeps it.
     */
    public static List<InboundPort> of(MeshSnapshot mesh, ProxyContext proxy) {
        if (proxy.workload().isEmpty()) {
            return List.of();
        }
        Workload workload = proxy.workload().get();
        List<InboundPort> ports = new ArrayList<>();
        Set<Integer> listenerPorts = new HashSet<>();
        Set<Integer> clusterPorts = new HashSet<>();
        List<SidecarConfig.Ingress> ingress = proxy.sidecar().map(SidecarConfig::ingress).orElse(List.of());
        if (!ingress.isEmpty()) {
            for (SidecarConfig.Ingress listener : ingress) {
                String host = listener.endpointHost().equals(SidecarConfig.INSTANCE_IP)
                        ? workload.address() : listener.endpointHost();
                if (listenerPorts.add(listener.port()) && clusterPorts.add(listener.port())) {
                    ports.add(new InboundPort(listener.port(), listener.port(), listener.protocol(), host,
                            listener.endpointPort()));
                }
            }
            return ports;
        }
        for (MeshService service : mesh.servicesSelecting(workload)) {
            for (ServicePort port : service.ports()) {
                int target = workload.portFor(port);
                if (!listenerPorts.contains(target) && !clusterPorts.contains(port.number())) {
                    listenerPorts.add(target);
                    clusterPorts.add(port.number());
                    ports.add(new InboundPort(port.number(), target, port.protocol(), LOCALHOST, target));
                }
            }
        }
        return ports;
    }
}
