package dev.skiff.proxy.xds.translate;

import static dev.skiff.proxy.xds.translate.ListenerTranslatorTest.hcmFilter;
import static dev.skiff.proxy.xds.translate.ListenerTranslatorTest.portChain;
import static dev.skiff.proxy.xds.translate.ListenerTranslatorTest.rdsHcm;
import static dev.skiff.proxy.xds.translate.ListenerTranslatorTest.router;
import static dev.skiff.proxy.xds.translate.ListenerTranslatorTest.tcpFilter;
import static dev.skiff.proxy.xds.translate.ListenerTranslatorTest.virtualOutbound;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Any;
import dev.skiff.proxy.authz.RbacRules;
import dev.skiff.proxy.model.HttpConnectionManagerSpec;
import dev.skiff.proxy.model.ListenerSpec;
import dev.skiff.proxy.model.TcpProxySpec;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.rbac.v3.Permission;
import io.envoyproxy.envoy.config.rbac.v3.Policy;
import io.envoyproxy.envoy.config.rbac.v3.Principal;
import io.envoyproxy.envoy.config.rbac.v3.RBAC;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import org.junit.jupiter.api.Test;

/** RBAC HTTP filters in an HCM become the HCM's RBAC rules, in order, and bad ones reject the listener. */
class RbacListenerTranslatorTest {
    private final ListenerTranslator translator = new ListenerTranslator(new RouteTranslator());

    private static HttpFilter rbac(RBAC.Action action, Policy policy) {
        return HttpFilter.newBuilder().setName("envoy.filters.http.rbac").setTypedConfig(Any.pack(
                io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC.newBuilder().setRules(RBAC.newBuilder()
                        .setAction(action).putPolicies("p", policy)).build())).build();
    }

    private static final Policy ANY = Policy.newBuilder().addPermissions(Permission.newBuilder().setAny(true))
            .addPrincipals(Principal.newBuilder().setAny(true)).build();

    @Test
    void rbacFiltersBeforeTheRouterAreTranslatedInOrder() throws TranslationException {
        ListenerSpec listener = translator.translate(virtualOutbound(portChain("9080", 9080,
                hcmFilter(rdsHcm("9080").clearHttpFilters().addHttpFilters(rbac(RBAC.Action.DENY, ANY))
                        .addHttpFilters(rbac(RBAC.Action.ALLOW, ANY)).addHttpFilters(router())))).build());

        HttpConnectionManagerSpec hcm = (HttpConnectionManagerSpec) listener.chains().getFirst().action();
        assertThat(hcm.rbac()).extracting(RbacRules::action)
                .containsExactly(RbacRules.Action.DENY, RbacRules.Action.ALLOW);
        assertThat(hcm.routeTableName()).isEqualTo("9080");
    }

    @Test
    void anHcmWithoutRbacHasNoRules() throws TranslationException {
        ListenerSpec listener = translator.translate(virtualOutbound(portChain("9080", 9080,
                hcmFilter(rdsHcm("9080")))).build());

        assertThat(((HttpConnectionManagerSpec) listener.chains().getFirst().action()).rbac()).isEmpty();
    }

    @Test
    void anUntranslatableRbacFilterRejectsTheListener() {
        Policy withoutPrincipals = Policy.newBuilder().addPermissions(Permission.newBuilder().setAny(true)).build();

        assertThatThrownBy(() -> translator.translate(virtualOutbound(portChain("9080", 9080,
                hcmFilter(rdsHcm("9080").clearHttpFilters().addHttpFilters(rbac(RBAC.Action.ALLOW,
                        withoutPrincipals)).addHttpFilters(router())))).build()))
                .isInstanceOf(TranslationException.class)
                .hasMessageEndingWith("http filter envoy.filters.http.rbac: rules: policy p: no principals"
                        + " (expected: at least one permission and one principal)");
    }

    private static Filter networkRbac(RBAC.Action action) {
        return Filter.newBuilder().setName("envoy.filters.network.rbac").setTypedConfig(Any.pack(
                io.envoyproxy.envoy.extensions.filters.network.rbac.v3.RBAC.newBuilder().setStatPrefix("tcp.")
                        .setRules(RBAC.newBuilder().setAction(action).putPolicies("p", ANY)).build())).build();
    }

    @Test
    void networkRbacFiltersBeforeATcpProxyGuardItsConnections() throws TranslationException {
        ListenerSpec listener = translator.translate(virtualOutbound(portChain("7000", 7000,
                networkRbac(RBAC.Action.DENY)).addFilters(networkRbac(RBAC.Action.ALLOW))
                .addFilters(tcpFilter(TcpProxy.newBuilder().setStatPrefix("inbound|7000||")
                        .setCluster("inbound|7000||")))).build());

        TcpProxySpec tcp = (TcpProxySpec) listener.chains().getFirst().action();
        assertThat(tcp.rbac()).extracting(RbacRules::action)
                .containsExactly(RbacRules.Action.DENY, RbacRules.Action.ALLOW);
        assertThat(tcp.rbac()).extracting(RbacRules::statPrefix).as("counted as tcp.rbac.*").containsOnly("tcp.");
        assertThat(tcp.clusters()).singleElement().extracting(c -> c.cluster()).isEqualTo("inbound|7000||");
    }

    @Test
    void aNetworkRbacFilterBeforeAnHcmRejectsTheListener() {
        assertThatThrownBy(() -> translator.translate(virtualOutbound(portChain("9080", 9080,
                networkRbac(RBAC.Action.ALLOW)).addFilters(hcmFilter(rdsHcm("9080")))).build()))
                .isInstanceOf(TranslationException.class)
                .hasMessageContaining("network filter envoy.filters.network.rbac before an HTTP connection manager");
    }
}
