package dev.skiff.proxy.transport;

import dev.skiff.proxy.model.DownstreamTlsSpec;
import dev.skiff.proxy.model.FilterChainSpec;
import dev.skiff.proxy.model.TcpProxySpec;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** Chains picked by transport protocol, and the detector that tells TLS from plaintext by the first bytes. */
@ExtendWith(NoLeaks.class)
class TransportProtocolChainsTest {

    private static final DownstreamTlsSpec MTLS = new DownstreamTlsSpec("default", "ROOTCA", true, List.of(),
            List.of());

    private static FilterChainSpec chain(String name, int port, String transportProtocol, DownstreamTlsSpec tls) {
        return new FilterChainSpec(name, port, Set.of(), TcpProxySpec.of("c"), transportProtocol, tls);
    }

    @Test
    void strictPortHasNoChainForPlaintext() {
        ChainIndex index = new ChainIndex(List.of(chain("tls", 0, FilterChainSpec.TLS, MTLS)));

        assertThat(index.detectsTransport(9080)).isTrue();
        assertThat(index.forConnection(9080, FilterChainSpec.TLS).name()).isEqualTo("tls");
        assertThat(index.forConnection(9080, FilterChainSpec.RAW_BUFFER)).isNull();
    }

    @Test
    void exactTransportProtocolWinsOverAnyAndExactPortOverAnyPort() {
        ChainIndex index = new ChainIndex(List.of(
                chain("any-port-tls", 0, FilterChainSpec.TLS, MTLS),
                chain("9080-any", 9080, "", null),
                chain("9080-plain", 9080, FilterChainSpec.RAW_BUFFER, null)));

        assertThat(index.forConnection(9080, FilterChainSpec.RAW_BUFFER).name()).isEqualTo("9080-plain");
        assertThat(index.forConnection(9080, FilterChainSpec.TLS).name()).isEqualTo("9080-any");
        assertThat(index.forConnection(7000, FilterChainSpec.TLS).name()).isEqualTo("any-port-tls");
    }

    @Test
    void plaintextChainsNeedNoDetection() {
        assertThat(new ChainIndex(List.of(chain("plain", 0, "", null))).detectsTransport(9080)).isFalse();
    }

    @Test
    void detectorTellsATlsClientHelloFromHttp() {
        List<Boolean> decisions = new ArrayList<>();
        EmbeddedChannel tls = new EmbeddedChannel(new TransportProtocolDetector((ctx, isTls) -> decisions.add(isTls)));
        tls.writeInbound(Unpooled.wrappedBuffer(new byte[]{0x16, 0x03}));
        assertThat(decisions).isEmpty();
        tls.writeInbound(Unpooled.wrappedBuffer(new byte[]{0x01, 0x00, 0x20}));
        assertThat(decisions).containsExactly(true);
        assertThat(tls.pipeline().get(TransportProtocolDetector.class)).isNull();
        releaseAll(tls);

        EmbeddedChannel plain = new EmbeddedChannel(new TransportProtocolDetector((ctx, isTls) -> decisions.add(isTls)));
        plain.writeInbound(Unpooled.copiedBuffer("GET / HTTP/1.1\r\n", StandardCharsets.US_ASCII));
        assertThat(decisions).containsExactly(true, false);
        releaseAll(plain);
    }

    @Test
    void connectionWithoutAChainIsClosed() {
        EmbeddedChannel channel = new EmbeddedChannel(new TransportProtocolDetector((ctx, isTls) -> false));
        channel.writeInbound(Unpooled.copiedBuffer("GET / HTTP/1.1\r\n", StandardCharsets.US_ASCII));

        assertThat(channel.isOpen()).isFalse();
        releaseAll(channel);
    }

    private static void releaseAll(EmbeddedChannel channel) {
        Object message;
        while ((message = channel.readInbound()) != null) {
            io.netty.util.ReferenceCountUtil.release(message);
        }
        channel.finishAndReleaseAll();
    }
}
