package dev.skiff.proxy.sni;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class SniInspectorTest {

    private final List<String> selections = new ArrayList<>();

    private EmbeddedChannel channel(boolean accept) {
        EmbeddedChannel channel = new EmbeddedChannel();
        channel.pipeline().addLast(SniInspector.NAME, new SniInspector(Duration.ofSeconds(5),
                (ctx, transport, serverName) -> {
                    selections.add(transport + " " + serverName);
                    return accept;
                }));
        return channel;
    }

    private static byte[] drain(EmbeddedChannel channel) {
        ByteBuf all = Unpooled.buffer();
        for (ByteBuf buf = channel.readInbound(); buf != null; buf = channel.readInbound()) {
            all.writeBytes(buf);
            buf.release();
        }
        byte[] bytes = ByteBufUtil.getBytes(all);
        all.release();
        return bytes;
    }

    @Test
    void aHelloInTwoReadsIsSelectedOnceAndPassedOnUntouched() throws Exception {
        byte[] hello = ClientHellos.jdk("a.example.com");
        EmbeddedChannel channel = channel(true);

        channel.writeInbound(Unpooled.wrappedBuffer(Arrays.copyOf(hello, 40)));
        assertThat(selections).isEmpty();
        channel.writeInbound(Unpooled.wrappedBuffer(Arrays.copyOfRange(hello, 40, hello.length)));
        channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {1, 2, 3}));

        assertThat(selections).containsExactly("tls a.example.com");
        assertThat(channel.pipeline().get(SniInspector.NAME)).isNull();
        byte[] expected = Arrays.copyOf(hello, hello.length + 3);
        expected[hello.length] = 1;
        expected[hello.length + 1] = 2;
        expected[hello.length + 2] = 3;
        assertThat(drain(channel)).isEqualTo(expected);
        assertThat(channel.finish()).isFalse();
    }

    @Test
    void plaintextIsSelectedAsRawBufferWithoutName() {
        EmbeddedChannel channel = channel(true);

        channel.writeInbound(Unpooled.copiedBuffer("GET / HTTP/1.1\r\n", StandardCharsets.US_ASCII));

        assertThat(selections).containsExactly("raw_buffer ");
        assertThat(new String(drain(channel), StandardCharsets.US_ASCII)).isEqualTo("GET / HTTP/1.1\r\n");
        channel.finishAndReleaseAll();
    }

    @Test
    void aConnectionNoChainServesIsClosed() throws Exception {
        EmbeddedChannel channel = channel(false);

        channel.writeInbound(Unpooled.wrappedBuffer(ClientHellos.jdk("c.example.com")));

        assertThat(selections).containsExactly("tls c.example.com");
        assertThat(channel.isOpen()).isFalse();
        assertThat(channel.finishAndReleaseAll()).isFalse();
    }

    @Test
    void aTooLargeHelloIsClosedWithoutSelection() {
        EmbeddedChannel channel = channel(true);

        channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {0x16, 3, 1, 0, 4, 1, 1, 0, 0}));

        assertThat(selections).isEmpty();
        assertThat(channel.isOpen()).isFalse();
        channel.finishAndReleaseAll();
    }

    @Test
    void aConnectionThatSendsNoCompleteHelloInTimeIsClosed() throws Exception {
        EmbeddedChannel channel = channel(true);
        channel.writeInbound(Unpooled.wrappedBuffer(Arrays.copyOf(ClientHellos.jdk("a.example.com"), 20)));

        channel.advanceTimeBy(5, TimeUnit.SECONDS);
        channel.runScheduledPendingTasks();

        assertThat(selections).isEmpty();
        assertThat(channel.isOpen()).isFalse();
        channel.finishAndReleaseAll();
    }

    @Test
    void selectionCancelsTheTimeout() throws Exception {
        EmbeddedChannel channel = channel(true);
        channel.writeInbound(Unpooled.wrappedBuffer(ClientHellos.jdk("a.example.com")));

        channel.advanceTimeBy(5, TimeUnit.SECONDS);
        channel.runScheduledPendingTasks();

        assertThat(channel.isOpen()).isTrue();
        channel.finishAndReleaseAll();
    }
}
