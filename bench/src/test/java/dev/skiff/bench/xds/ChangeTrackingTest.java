package dev.skiff.bench.xds;

import com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ChangeTrackingTest {
    private static final ChangeProbe PROBE =
            new ChangeProbe(1, ChangeProbe.ChangeKind.ENDPOINT, XdsTypes.ENDPOINT, "127.66.0.1");

    @Test
    void probeMatchesAWholeLengthDelimitedValue() {
        assertThat(PROBE.matches(field("127.66.0.1"))).isTrue();
        assertThat(PROBE.matches(ByteString.copyFromUtf8("xx").concat(field("127.66.0.1")).concat(field("yy")))).isTrue();
        assertThat(PROBE.matches(field("127.66.0.10"))).isFalse();
        assertThat(PROBE.matches(ByteString.copyFromUtf8("127.66.0.1"))).isFalse();
        assertThat(PROBE.matches(ByteString.EMPTY)).isFalse();
    }

    @Test
    void probeRejectsTokensThatDoNotFitOneLengthByte() {
        assertThatThrownBy(() -> new ChangeProbe(1, ChangeProbe.ChangeKind.ROUTE, XdsTypes.ROUTE, ""))
                .hasMessageContaining("expected 1 to 127");
        assertThatThrownBy(() -> new ChangeProbe(1, ChangeProbe.ChangeKind.ROUTE, XdsTypes.ROUTE, "x".repeat(128)))
                .hasMessageContaining("expected 1 to 127");
    }

    @Test
    void trackerCountsEachSidecarOnceAndKeepsItsFirstAck() throws InterruptedException {
        ChangeTracker tracker = new ChangeTracker(PROBE, 3);
        tracker.acked(0, 1_000);
        tracker.acked(0, 9_000);
        tracker.acked(2, 5_000);
        assertThat(tracker.pending(0)).isFalse();
        assertThat(tracker.pending(1)).isTrue();
        assertThat(tracker.ackedCount()).isEqualTo(2);
        assertThat(tracker.await(0, TimeUnit.MILLISECONDS)).isFalse();
        assertThat(tracker.lastAck()).isEqualTo(5_000);
        tracker.acked(1, 3_000);
        assertThat(tracker.await(0, TimeUnit.MILLISECONDS)).isTrue();
        assertThat(tracker.lastAck()).isEqualTo(5_000);
    }

    @Test
    void lastAckFollowsNanoTimeAcrossTheSignChange() {
        ChangeTracker tracker = new ChangeTracker(PROBE, 2);
        tracker.acked(0, Long.MAX_VALUE - 10);
        tracker.acked(1, Long.MIN_VALUE + 10);
        assertThat(tracker.lastAck()).isEqualTo(Long.MIN_VALUE + 10);
    }

    private static ByteString field(String value) {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        return ByteString.copyFrom(new byte[] {0x0a, (byte) bytes.length}).concat(ByteString.copyFrom(bytes));
    }
}
