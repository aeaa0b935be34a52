package dev.skiff.proxy.xds.translate;

import com.google.protobuf.Any;
import com.google.protobuf.BoolValue;
import dev.skiff.proxy.model.FilterChainSpec;
import dev.skiff.proxy.model.HttpConnectionManagerSpec;
import dev.skiff.proxy.model.ListenerSpec;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.core.v3.TrafficDirection;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A mesh with no services gives its sidecars a {@code virtualOutbound} listener that has only the default chain:
 * an HTTP connection manager with an empty route configuration. It must be accepted (the sidecar becomes ready)
 * and route nothing (requests get 404 NR).
 */
class BlackHoleChainTest {
    @Test
    void aListenerWithOnlyTheBlackHoleChainIsAcceptedAndRoutesNothing() throws TranslationException {
        HttpConnectionManager hcm = HttpConnectionManager.newBuilder()
                .setStatPrefix("BlackHoleCluster")
                .setRouteConfig(RouteConfiguration.newBuilder().setName("BlackHoleCluster"))
                .addHttpFilters(HttpFilter.newBuilder().setName("envoy.filters.http.router")
                        .setTypedConfig(Any.pack(Router.getDefaultInstance())))
                .build();
        Listener listener = Listener.newBuilder()
                .setName("virtualOutbound")
                .setAddress(Address.newBuilder().setSocketAddress(
                        SocketAddress.newBuilder().setAddress("127.0.0.1").setPortValue(15001)))
                .setTrafficDirection(TrafficDirection.OUTBOUND)
                .setUseOriginalDst(BoolValue.of(true))
                .setDefaultFilterChain(FilterChain.newBuilder().setName("BlackHoleCluster")
                        .addFilters(Filter.newBuilder().setName("envoy.filters.network.http_connection_manager")
                                .setTypedConfig(Any.pack(hcm))))
                .build();

        ListenerSpec spec = new ListenerTranslator(new RouteTranslator()).translate(listener);

        assertThat(spec.chains()).hasSize(1);
        FilterChainSpec chain = spec.chains().getFirst();
        assertThat(chain.destinationPort()).isZero();
        assertThat(chain.action()).isInstanceOfSatisfying(HttpConnectionManagerSpec.class, manager ->
                assertThat(manager.inlineRoutes().findVirtualHost("anything.example.com:80")).isNull());
    }
}
