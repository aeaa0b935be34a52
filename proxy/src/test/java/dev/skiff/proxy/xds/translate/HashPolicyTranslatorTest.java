package dev.skiff.proxy.xds.translate;

import com.google.protobuf.Duration;
import dev.skiff.proxy.model.HashPolicy;
import dev.skiff.proxy.model.RouteTable;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class HashPolicyTranslatorTest {

    private final RouteTranslator translator = new RouteTranslator();

    private RouteTable translate(RouteAction.HashPolicy... policies) throws TranslationException {
        var route = RouteTranslatorTest.prefixRoute("/", "outbound|8000||httpbin.default.svc.cluster.local");
        route.getRouteBuilder().addAllHashPolicy(List.of(policies));
        return translator.translate(RouteTranslatorTest.config("8000", route));
    }

    @Test
    void istiosHashPoliciesBecomeRecords() throws Exception {
        RouteTable table = translate(
                RouteAction.HashPolicy.newBuilder().setHeader(RouteAction.HashPolicy.Header.newBuilder()
                        .setHeaderName("X-User")).build(),
                RouteAction.HashPolicy.newBuilder().setCookie(RouteAction.HashPolicy.Cookie.newBuilder()
                        .setName("session").setPath("/").setTtl(Duration.newBuilder().setSeconds(60))).build(),
                RouteAction.HashPolicy.newBuilder().setConnectionProperties(RouteAction.HashPolicy
                        .ConnectionProperties.newBuilder().setSourceIp(true)).build(),
                RouteAction.HashPolicy.newBuilder().setQueryParameter(RouteAction.HashPolicy.QueryParameter
                        .newBuilder().setName("user")).setTerminal(true).build());

        assertThat(table.virtualHosts().getFirst().routes().getFirst().action().hashPolicies()).containsExactly(
                new HashPolicy(HashPolicy.Kind.HEADER, "x-user", "", null, false),
                new HashPolicy(HashPolicy.Kind.COOKIE, "session", "/", java.time.Duration.ofMinutes(1), false),
                new HashPolicy(HashPolicy.Kind.SOURCE_IP, "", "", null, false),
                new HashPolicy(HashPolicy.Kind.QUERY_PARAMETER, "user", "", null, true));
    }

    @Test
    void rejectsWhatItCannotHash() {
        assertThatThrownBy(() -> translate(RouteAction.HashPolicy.newBuilder().setFilterState(
                RouteAction.HashPolicy.FilterState.newBuilder().setKey("k")).build()))
                .isInstanceOf(TranslationException.class)
                .hasMessageEndingWith("hash_policy[0]: filter_state: unsupported (expected only:"
                        + " connection_properties, cookie, header, query_parameter, terminal)");
        assertThatThrownBy(() -> translate(RouteAction.HashPolicy.newBuilder().setTerminal(true).build()))
                .isInstanceOf(TranslationException.class)
                .hasMessageEndingWith("hash_policy[0]: no hash key (expected: header, cookie,"
                        + " connection_properties or query_parameter)");
        assertThatThrownBy(() -> translate(RouteAction.HashPolicy.newBuilder().setHeader(
                RouteAction.HashPolicy.Header.newBuilder()).build()))
                .isInstanceOf(TranslationException.class)
                .hasMessageContaining("hash_policy[0]: hash policy HEADER: empty name (expected: a header name)");
    }
}
