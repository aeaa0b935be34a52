package dev.skiff.proxy.telemetry;

import dev.skiff.proxy.filter.GrpcMessageCounter;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class GrpcMessageCounterTest {

    @Test
    void countsMessagesSplitAnywhereAcrossBodyParts() {
        byte[] stream = {0, 0, 0, 0, 3, 1, 2, 3, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 4, 4, 4, 4, 4};
        for (int split = 0; split <= stream.length; split++) {
            GrpcMessageCounter counter = new GrpcMessageCounter();
            ByteBuf first = Unpooled.wrappedBuffer(stream, 0, split);
            ByteBuf second = Unpooled.wrappedBuffer(stream, split, stream.length - split);
            counter.count(first);
            counter.count(second);
            assertThat(counter.messages()).as("split at %d", split).isEqualTo(3);
            assertThat(first.readerIndex()).isZero();
        }
    }

    @Test
    void aMessageCountsFromItsFirstByte() {
        GrpcMessageCounter counter = new GrpcMessageCounter();
        counter.count(Unpooled.wrappedBuffer(new byte[]{0, 0, 0, 0}));
        assertThat(counter.messages()).isEqualTo(1);
        counter.count(Unpooled.wrappedBuffer(new byte[]{1}));
        counter.count(Unpooled.wrappedBuffer(new byte[]{9}));
        assertThat(counter.messages()).isEqualTo(1);
        counter.count(Unpooled.wrappedBuffer(new byte[]{1}));
        assertThat(counter.messages()).isEqualTo(2);
    }
}
