package dev.skiff.controlplane.xds.server;

import dev.skiff.controlplane.xds.ProxyView;
import dev.skiff.controlplane.xds.TypeUrls;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The xDS streams connected right now and what each was sent. Written by the streams, read by the debug endpoints;
 * readers get immutable {@link ProxyStatus} snapshots.
 */
public final class ConnectedProxies {
    private static final Comparator<Connection> BY_PROXY_THEN_SEQUENCE =
            Comparator.comparing((Connection connection) -> connection.proxy.id())
                    .thenComparingLong(connection -> connection.sequence);

    private final ConcurrentMap<String, Connection> connections = new ConcurrentHashMap<>();
    private final AtomicLong sequence = new AtomicLong();

    /** Every connected stream, ordered by node id, then by connection order. */
    public List<ProxyStatus> all() {
        List<Connection> sorted = new ArrayList<>(connections.values());
        sorted.sort(BY_PROXY_THEN_SEQUENCE);
        List<ProxyStatus> statuses = new ArrayList<>(sorted.size());
        for (Connection connection : sorted) {
            statuses.add(connection.status());
        }
        return List.copyOf(statuses);
    }

    /** The most recent stream of the node with this id, if one is connected. */
    public Optional<ProxyStatus> find(String proxyId) {
        Connection latest = null;
        for (Connection connection : connections.values()) {
            if (connection.proxy.id().equals(proxyId) && (latest == null || connection.sequence > latest.sequence)) {
                latest = connection;
            }
        }
        return Optional.ofNullable(latest).map(Connection::status);
    }

    /** The stream with this connection id, if it is still connected. */
    public Optional<ProxyStatus> connection(String connectionId) {
        return Optional.ofNullable(connections.get(connectionId)).map(Connection::status);
    }

    public int size() {
        return connections.size();
    }

    Connection register(ProxyView proxy, ProxyStatus.Protocol protocol, Instant since) {
        long seq = sequence.incrementAndGet();
        Connection connection = new Connection(proxy.id() + "-" + seq, seq, proxy, protocol, since);
        connections.put(connection.id, connection);
        return connection;
    }

    void remove(Connection connection) {
        connections.remove(connection.id, connection);
    }

    /** One stream's entry. Only its stream writes it (from the stream's serial executor); anyone may read it. */
    static final class Connection {
        private final String id;
        private final long sequence;
        private final ProxyView proxy;
        private final ProxyStatus.Protocol protocol;
        private final Instant since;
        private final ConcurrentMap<String, TypeStatus> types = new ConcurrentHashMap<>();

        private Connection(String id, long sequence, ProxyView proxy, ProxyStatus.Protocol protocol, Instant since) {
            this.id = id;
            this.sequence = sequence;
            this.proxy = proxy;
            this.protocol = protocol;
            this.since = since;
        }

        String id() {
            return id;
        }

        TypeStatus type(String typeUrl) {
            TypeStatus status = types.get(typeUrl);
            return status == null ? TypeStatus.initial(typeUrl) : status;
        }

        void update(TypeStatus status) {
            types.put(status.typeUrl(), status);
        }

        ProxyStatus status() {
            Map<String, TypeStatus> ordered = new LinkedHashMap<>();
            for (String typeUrl : TypeUrls.PUSH_ORDER) {
                TypeStatus status = types.get(typeUrl);
                if (status != null) {
                    ordered.put(typeUrl, status);
                }
            }
            return new ProxyStatus(id, proxy, protocol, since, ordered);
        }
    }
}
