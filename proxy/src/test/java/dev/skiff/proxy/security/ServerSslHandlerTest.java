package dev.skiff.proxy.security;

import dev.skiff.proxy.model.DownstreamTlsSpec;
import dev.skiff.proxy.model.UpstreamTlsSpec;
import dev.skiff.proxy.transport.NoLeaks;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The server side's own reading of the ClientHello's server name: Istio's name with underscores, sent by a JDK client
 * context, is read even when the hello arrives split across two TLS records.
 */
@ExtendWith(NoLeaks.class)
class ServerSslHandlerTest {

    private static final String ISTIO_SNI = "outbound_.9080_._.reviews.default.svc.cluster.local";
    private static final int RECORD_HEADER = 5;

    @Test
    void readsTheServerNameOfAClientHelloSplitAcrossRecords() throws Exception {
        TestCa ca = new TestCa("spiffe://cluster.local/ns/default/sa/reviews", Clock.systemUTC(), Duration.ofHours(1));
        TlsContexts tls = new TlsContexts(SslProvider.JDK);
        tls.update(ca.workloadCertificate());
        byte[] hello = clientHello(tls.newHandler(new UpstreamTlsSpec(ISTIO_SNI, List.of("istio"), SecretNames.DEFAULT,
                SecretNames.ROOTCA, List.of(), false), ByteBufAllocator.DEFAULT, new InetSocketAddress("127.0.0.1", 9080)));
        SslHandler server = tls.newHandler(new DownstreamTlsSpec(SecretNames.DEFAULT, SecretNames.ROOTCA, true,
                List.of("istio"), List.of()), ByteBufAllocator.DEFAULT);
        EmbeddedChannel channel = new EmbeddedChannel(server);
        try {
            int half = (hello.length - RECORD_HEADER) / 2;
            channel.writeInbound(record(hello, RECORD_HEADER, half));
            assertThat(ServerSslHandler.requestedServerName(server)).as("half a hello").isNull();

            channel.writeInbound(record(hello, RECORD_HEADER + half, hello.length - RECORD_HEADER - half));
            assertThat(ServerSslHandler.requestedServerName(server)).isEqualTo(ISTIO_SNI);
        } finally {
            channel.finishAndReleaseAll();
        }
    }

    /** The first flight of the client handler: one handshake record holding the ClientHello. */
    private static byte[] clientHello(SslHandler client) {
        EmbeddedChannel channel = new EmbeddedChannel(client);
        try {
            ByteBuf out = channel.readOutbound();
            try {
                byte[] bytes = new byte[out.readableBytes()];
                out.readBytes(bytes);
                return bytes;
            } finally {
                out.release();
            }
        } finally {
            channel.finishAndReleaseAll();
        }
    }

    /** A handshake record carrying {@code length} bytes of the hello's handshake message from {@code offset}. */
    private static ByteBuf record(byte[] hello, int offset, int length) {
        ByteBuf record = Unpooled.buffer(RECORD_HEADER + length);
        record.writeBytes(hello, 0, 3);
        record.writeShort(length);
        record.writeBytes(hello, offset, length);
        return record;
    }
}
