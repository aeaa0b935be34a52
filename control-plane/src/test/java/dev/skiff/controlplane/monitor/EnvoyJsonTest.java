package dev.skiff.controlplane.monitor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.grpc.health.v1.HealthCheckRequest;
import org.junit.jupiter.api.Test;

class EnvoyJsonTest {
    @Test
    void printsNestedExtensionsWithProtoFieldNames() throws InvalidProtocolBufferException {
        Cluster cluster = Cluster.newBuilder()
                .setName("outbound|443||api.default.svc.cluster.local")
                .setTransportSocket(TransportSocket.newBuilder()
                        .setName("envoy.transport_sockets.tls")
                        .setTypedConfig(Any.pack(UpstreamTlsContext.newBuilder().setSni("api.example").build())))
                .build();
        String json = EnvoyJson.print(Any.pack(cluster));
        assertThat(json).contains("\"@type\": \"type.googleapis.com/envoy.config.cluster.v3.Cluster\"")
                .contains("\"transport_socket\"")
                .contains("\"sni\": \"api.example\"");

        RouteConfiguration route = RouteConfiguration.newBuilder()
                .setName("9080")
                .addVirtualHosts(VirtualHost.newBuilder()
                        .setName("reviews:9080")
                        .putTypedPerFilterConfig("envoy.filters.http.fault", Any.pack(HTTPFault.getDefaultInstance())))
                .build();
        assertThat(EnvoyJson.print(Any.pack(route)))
                .contains("type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault");
    }

    @Test
    void unknownPackedTypesAreReported() {
        Cluster cluster = Cluster.newBuilder()
                .setName("odd")
                .setTransportSocket(TransportSocket.newBuilder()
                        .setName("odd")
                        .setTypedConfig(Any.pack(HealthCheckRequest.newBuilder().setService("not envoy").build())))
                .build();
        assertThatThrownBy(() -> EnvoyJson.print(Any.pack(cluster)))
                .isInstanceOf(InvalidProtocolBufferException.class)
                .hasMessageContaining("grpc.health.v1.HealthCheckRequest");
    }
}
