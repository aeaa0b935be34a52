package dev.skiff.bench;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TargetTest {

    @Test
    void loopbackAddressesAreAccepted() {
        assertThat(LoopbackGuard.requireLoopback("--url", "127.0.0.1").isLoopbackAddress()).isTrue();
        assertThat(LoopbackGuard.requireLoopback("--url", "127.20.0.7").getHostAddress()).isEqualTo("127.20.0.7");
        assertThat(LoopbackGuard.requireLoopback("--url", "::1").isLoopbackAddress()).isTrue();
        assertThat(LoopbackGuard.requireLoopback("--url", "[::1]").isLoopbackAddress()).isTrue();
        assertThat(LoopbackGuard.requireLoopback("--url", "LocalHost")).isEqualTo(InetAddress.getLoopbackAddress());
    }

    @Test
    void otherAddressesAreRefused() {
        for (String host : new String[]{"10.0.0.1", "192.168.1.10", "172.16.0.1", "8.8.8.8", "0.0.0.0", "::", "2001:db8::1"}) {
            assertThatThrownBy(() -> LoopbackGuard.requireLoopback("--url", host))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("--url: " + host + " is not a loopback address; benchmark traffic stays on this machine"
                            + " (expected 127.0.0.0/8, ::1 or localhost)");
        }
    }

    @Test
    void hostNamesOtherThanLocalhostAreNotResolvedButRefused() {
        assertThatThrownBy(() -> LoopbackGuard.requireLoopback("--proxy", "example.com"))
                .hasMessageStartingWith("--proxy: 'example.com' is not an IP address");
        assertThatThrownBy(() -> LoopbackGuard.requireLoopback("--url", ""))
                .hasMessageStartingWith("--url: no host given");
    }

    @Test
    void plainTargetConnectsToTheUrlAndWritesOriginForm() {
        Target t = Target.of("http://127.0.0.1:8080/index.html?x=1", null);
        assertThat(t.viaProxy()).isFalse();
        assertThat(t.connect().getPort()).isEqualTo(8080);
        assertThat(new String(t.requestBytes(), StandardCharsets.US_ASCII)).startsWith(
                "GET /index.html?x=1 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n").endsWith("\r\n\r\n");
        assertThat(Target.of("http://localhost/", null).connect().getPort()).isEqualTo(80);
    }

    @Test
    void proxyTargetConnectsToTheProxyAndWritesAbsoluteForm() {
        Target t = Target.of("http://backend.default.svc.cluster.local:8080", "127.0.20.1:15001");
        assertThat(t.viaProxy()).isTrue();
        assertThat(t.connect().getAddress().getHostAddress()).isEqualTo("127.0.20.1");
        assertThat(t.connect().getPort()).isEqualTo(15001);
        assertThat(new String(t.requestBytes(), StandardCharsets.US_ASCII)).startsWith(
                "GET http://backend.default.svc.cluster.local:8080/ HTTP/1.1\r\nHost: backend.default.svc.cluster.local:8080\r\n");
        assertThat(t.describe()).isEqualTo("http://backend.default.svc.cluster.local:8080 via proxy 127.0.20.1:15001");
    }

    @Test
    void nonLoopbackTargetsAreRefusedInEitherForm() {
        assertThatThrownBy(() -> Target.of("http://example.com/", null))
                .hasMessageStartingWith("--url: 'example.com' is not an IP address");
        assertThatThrownBy(() -> Target.of("http://10.1.2.3:8080/", null))
                .hasMessageStartingWith("--url: 10.1.2.3 is not a loopback address");
        assertThatThrownBy(() -> Target.of("http://10.1.2.3:8080/", "127.0.0.1:15001"))
                .hasMessageStartingWith("--url: 10.1.2.3 is not a loopback address");
        assertThatThrownBy(() -> Target.of("http://backend:8080/", "192.168.0.5:15001"))
                .hasMessageStartingWith("--proxy: 192.168.0.5 is not a loopback address");
    }

    @Test
    void malformedOptionsSayWhatWasExpected() {
        assertThatThrownBy(() -> Target.of("https://127.0.0.1/", null))
                .hasMessage("--url: 'https://127.0.0.1/' (expected an http URL with a host, e.g. http://127.0.0.1:8080/)");
        assertThatThrownBy(() -> Target.of("http://127.0.0.1/", "127.0.0.1"))
                .hasMessage("--proxy: '127.0.0.1' (expected HOST:PORT, e.g. 127.0.0.1:15001)");
        assertThatThrownBy(() -> Target.of("http://127.0.0.1/", "127.0.0.1:99999"))
                .hasMessage("--proxy: '127.0.0.1:99999' has an invalid port (expected 1-65535)");
    }
}
