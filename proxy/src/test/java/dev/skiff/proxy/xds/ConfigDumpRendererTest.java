package dev.skiff.proxy.xds;

import com.google.protobuf.Any;
import dev.skiff.proxy.model.RouteTable;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.route.v3.FilterConfig;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.LocalReplyConfig;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The config dump prints every extension a route may carry, as Envoy's admin does. */
class ConfigDumpRendererTest {

    @Test
    void printsRoutesWithRateLimitsAndFallbacks() throws Exception {
        RouteConfiguration routes = RouteConfiguration.newBuilder()
                .setName("9080")
                .addVirtualHosts(VirtualHost.newBuilder().setName("reviews:9080").addDomains("*")
                        .addRoutes(Route.newBuilder().setName("v2")
                                .putTypedPerFilterConfig("envoy.filters.http.local_ratelimit",
                                        Any.pack(LocalRateLimit.newBuilder().setStatPrefix("limiter").build()))
                                .putTypedPerFilterConfig("skiff.filters.http.fallback",
                                        Any.pack(FilterConfig.newBuilder().setIsOptional(true)
                                                .setConfig(Any.pack(LocalReplyConfig.getDefaultInstance()))
                                                .build()))))
                .build();
        XdsConfigAssembler.AcceptedConfig config = new XdsConfigAssembler.AcceptedConfig("", false, Map.of(),
                Map.of(), "", false, Map.of(), Map.of("9080", new AcceptedResource<>("9080", routes,
                new RouteTable("9080", List.of()), "1", Instant.EPOCH)));

        String dump = ConfigDumpRenderer.render(Node.newBuilder().setId("sidecar~127.0.0.1~a.default~d").build(),
                Instant.EPOCH, config);

        assertThat(dump).contains("\"statPrefix\": \"limiter\"")
                .contains("type.googleapis.com/envoy.config.route.v3.FilterConfig")
                .contains("type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3"
                        + ".LocalReplyConfig");
    }
}
