package dev.skiff.proxy.sni;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.proxy.model.FilterChainSpec;
import dev.skiff.proxy.model.TcpProxySpec;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ServerNameChainsTest {

    private static FilterChainSpec chain(String name, Set<String> serverNames, String transport) {
        return new FilterChainSpec(name, 443, serverNames, TcpProxySpec.of("outbound|443||" + name), transport, null);
    }

    private final ServerNameChains chains = new ServerNameChains(List.of(
            chain("exact", Set.of("a.example.com"), "tls"),
            chain("wide", Set.of("*.example.com"), "tls"),
            chain("narrow", Set.of("*.b.example.com"), "tls"),
            chain("plain", Set.of(), "")));

    private String pick(String transport, String serverName) {
        FilterChainSpec chain = chains.pick(transport, serverName);
        return chain == null ? null : chain.name();
    }

    @Test
    void anExactNameWinsOverAWildcard() {
        assertThat(pick("tls", "a.example.com")).isEqualTo("exact");
    }

    @Test
    void theLongestWildcardSuffixWins() {
        assertThat(pick("tls", "x.b.example.com")).isEqualTo("narrow");
        assertThat(pick("tls", "x.example.com")).isEqualTo("wide");
        assertThat(pick("tls", "x.y.example.com")).isEqualTo("wide");
    }

    @Test
    void aWildcardDoesNotMatchItsBareSuffix() {
        assertThat(pick("tls", "example.com")).isEqualTo("plain");
    }

    @Test
    void otherNamesAndPlaintextGoToTheChainWithoutNames() {
        assertThat(pick("tls", "other.org")).isEqualTo("plain");
        assertThat(pick("raw_buffer", "")).isEqualTo("plain");
        assertThat(chains.namesServers()).isTrue();
    }

    @Test
    void aNameWhoseChainsWantAnotherTransportFitsNoChain() {
        assertThat(pick("raw_buffer", "a.example.com")).isNull();
    }

    @Test
    void chainsWithoutNamesNeedNoInspection() {
        assertThat(new ServerNameChains(List.of(chain("plain", Set.of(), ""))).namesServers()).isFalse();
    }
}
