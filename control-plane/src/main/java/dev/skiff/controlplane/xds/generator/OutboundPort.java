package dev.skiff.controlplane.xds.generator;

import dev.skiff.controlplane.model.MeshService;
import dev.skiff.controlplane.model.ServicePort;

/** One port of one service that a proxy can reach. */
public record OutboundPort(MeshService service, ServicePort port) {
    public String host() {
        return service.host();
    }

    public int number() {
        return port.number();
    }

    /** {@code outbound|<port>||<host>}. */
    public String clusterName() {
        return XdsNames.outboundCluster(port.number(), "", service.host());
    }
}
