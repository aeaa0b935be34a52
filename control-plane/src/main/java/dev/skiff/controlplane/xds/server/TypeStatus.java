package dev.skiff.controlplane.xds.server;

import dev.skiff.controlplane.xds.XdsResource;
import java.util.List;

/**
 * What one proxy was sent for one resource type, and what it answered.
 *
 * @param typeUrl      one of {@link dev.skiff.controlplane.xds.TypeUrls}
 * @param sentVersion  version of the last response sent ({@code version_info}, or {@code system_version_info} in
 *                     delta), {@code null} before the first response
 * @param sentNonce    nonce of the last response sent, {@code null} before the first response
 * @param ackedVersion the version the proxy last ACKed, {@code null} if it never did
 * @param lastNack     the last NACK, {@code null} if there was none on this stream
 * @param resources    the resources the proxy was last given: the last response in state of the world, the
 *                     accumulated set in delta
 */
public record TypeStatus(String typeUrl, String sentVersion, String sentNonce, String ackedVersion, Nack lastNack,
                         List<XdsResource> resources) {
    public TypeStatus {
        resources = List.copyOf(resources);
    }

    static TypeStatus initial(String typeUrl) {
        return new TypeStatus(typeUrl, null, null, null, null, List.of());
    }

    TypeStatus withSent(String version, String nonce, List<XdsResource> sent) {
        return new TypeStatus(typeUrl, version, nonce, ackedVersion, lastNack, sent);
    }

    TypeStatus withResources(List<XdsResource> held) {
        return new TypeStatus(typeUrl, sentVersion, sentNonce, ackedVersion, lastNack, held);
    }

    TypeStatus withAck(String version) {
        return new TypeStatus(typeUrl, sentVersion, sentNonce, version, lastNack, resources);
    }

    TypeStatus withNack(Nack nack) {
        return new TypeStatus(typeUrl, sentVersion, sentNonce, ackedVersion, nack, resources);
    }
}
