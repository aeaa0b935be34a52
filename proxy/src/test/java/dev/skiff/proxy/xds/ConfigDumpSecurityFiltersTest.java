package dev.skiff.proxy.xds;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import dev.skiff.proxy.model.Direction;
import dev.skiff.proxy.model.ListenerSpec;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.rbac.v3.RBAC;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtProvider;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The config dump prints the inbound security filters: JWT authentication and RBAC. */
class ConfigDumpSecurityFiltersTest {

    @Test
    void printsJwtAuthenticationAndRbacFilters() throws Exception {
        HttpConnectionManager hcm = HttpConnectionManager.newBuilder()
                .addHttpFilters(HttpFilter.newBuilder().setName("envoy.filters.http.jwt_authn")
                        .setTypedConfig(Any.pack(JwtAuthentication.newBuilder().putProviders("origins-0",
                                JwtProvider.newBuilder().setIssuer("issuer-a").build()).build())))
                .addHttpFilters(HttpFilter.newBuilder().setName("envoy.filters.http.rbac")
                        .setTypedConfig(Any.pack(io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC.newBuilder()
                                .setRules(RBAC.newBuilder().setAction(RBAC.Action.DENY)).build())))
                .build();
        Listener listener = Listener.newBuilder().setName("inbound|9080").addFilterChains(FilterChain.newBuilder()
                .addFilters(Filter.newBuilder().setName("envoy.filters.network.http_connection_manager")
                        .setTypedConfig(Any.pack(hcm)))).build();
        ListenerSpec spec = new ListenerSpec("inbound|9080", new InetSocketAddress("127.0.0.1", 9080),
                Direction.INBOUND, false, List.of());
        XdsConfigAssembler.AcceptedConfig config = new XdsConfigAssembler.AcceptedConfig("", false, Map.of(),
                Map.of(), "1", true, Map.of("inbound|9080", new AcceptedResource<>("inbound|9080", listener, spec,
                "1", Instant.EPOCH)), Map.of());

        String dump = ConfigDumpRenderer.render(Node.newBuilder().setId("sidecar~127.0.0.1~a.default~d").build(),
                Instant.EPOCH, config);

        assertThat(dump).contains("\"issuer\": \"issuer-a\"").contains("\"action\": \"DENY\"");
    }
}
