package dev.skiff.proxy.policy;

import dev.skiff.proxy.transport.NoLeaks;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpContent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(NoLeaks.class)
class ReplayBufferTest {

    private static HttpContent part(String text) {
        return new DefaultHttpContent(Unpooled.copiedBuffer(text, StandardCharsets.UTF_8));
    }

    @Test
    void replaysEveryPartAgainAsOftenAsNeeded() {
        ReplayBuffer buffer = new ReplayBuffer(100);
        HttpContent first = part("hello ");
        HttpContent last = new DefaultLastHttpContent(Unpooled.copiedBuffer("world", StandardCharsets.UTF_8));
        buffer.add(first);
        buffer.add(last);
        first.release();
        last.release();

        for (int round = 0; round < 2; round++) {
            List<HttpContent> replayed = new ArrayList<>();
            buffer.replay(replayed::add);
            StringBuilder text = new StringBuilder();
            for (HttpContent part : replayed) {
                text.append(part.content().toString(StandardCharsets.UTF_8));
                part.release();
            }
            assertThat(text).hasToString("hello world");
        }
        assertThat(buffer.hasLast()).isTrue();
        assertThat(buffer.bytes()).isEqualTo(11);
        buffer.release();
    }

    @Test
    void aBodyOverTheLimitCannotBeReplayedAndIsLetGo() {
        ReplayBuffer buffer = new ReplayBuffer(8);
        HttpContent first = part("12345");
        HttpContent second = part("67890");
        buffer.add(first);
        buffer.add(second);

        assertThat(buffer.canReplay()).isFalse();
        assertThat(buffer.bytes()).isZero();
        assertThat(first.refCnt()).isEqualTo(1);
        first.release();
        second.release();
        List<HttpContent> replayed = new ArrayList<>();
        buffer.replay(replayed::add);
        assertThat(replayed).isEmpty();
    }
}
