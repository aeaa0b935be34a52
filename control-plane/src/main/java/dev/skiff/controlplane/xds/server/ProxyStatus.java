package dev.skiff.controlplane.xds.server;

import dev.skiff.controlplane.xds.ProxyView;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A snapshot of one connected xDS stream, for debugging.
 *
 * @param connectionId   unique per stream: the node id and a sequence number
 * @param proxy          who connected
 * @param protocol       the ADS variant the stream uses
 * @param connectedSince when the stream's first request arrived
 * @param types          per type URL that the proxy requested, in push order
 */
public record ProxyStatus(String connectionId, ProxyView proxy, Protocol protocol, Instant connectedSince,
                          Map<String, TypeStatus> types) {
    public enum Protocol { STATE_OF_THE_WORLD, DELTA }

    public ProxyStatus {
        types = Collections.unmodifiableMap(new LinkedHashMap<>(types));
    }
}
