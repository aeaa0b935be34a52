package dev.skiff.controlplane.xds.generator;

import dev.skiff.api.networking.v1alpha3.Destination;
import dev.skiff.controlplane.model.MeshService;
import dev.skiff.controlplane.model.MeshSnapshot;
import dev.skiff.controlplane.model.VirtualServiceConfig;
import java.util.Optional;

/** Turns a VirtualService destination into the name of the outbound cluster it stands for. */
final class Destinations {
    private Destinations() {
    }

    /**
     * {@code outbound|<port>|<subset>|<host>} for {@code destination}, written in {@code virtualService} and used by
     * a route of {@code target}. The host is resolved relative to the VirtualService's namespace (an empty host means
     * the routed service itself). The port is the destination's port when set; otherwise the routed port when the
     * destination service has it, else the destination service's only port, else the routed port.
     */
    static String clusterName(MeshSnapshot mesh, VirtualServiceConfig virtualService, Destination destination,
                              OutboundPort target) {
        String host = destination.getHost().isEmpty() ? target.host() : virtualService.resolve(destination.getHost());
        int port = target.number();
        if (destination.hasPort() && destination.getPort().getNumber() != 0) {
            port = destination.getPort().getNumber();
        } else {
            Optional<MeshService> service = mesh.service(host);
            if (service.isPresent() && service.get().port(port).isEmpty() && service.get().ports().size() == 1) {
                port = service.get().ports().getFirst().number();
            }
        }
        return XdsNames.outboundCluster(port, destination.getSubset(), host);
    }
}
