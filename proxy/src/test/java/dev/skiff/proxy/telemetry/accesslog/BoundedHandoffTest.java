package dev.skiff.proxy.telemetry.accesslog;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class BoundedHandoffTest {

    @Test
    void handsItemsOverInOrderInBatchesNoLargerThanTheLimit() {
        List<List<Integer>> batches = new CopyOnWriteArrayList<>();
        try (BoundedHandoff<Integer> handoff = new BoundedHandoff<>("test-handoff", 100, 3, Duration.ofSeconds(30),
                batch -> batches.add(List.copyOf(batch)))) {
            for (int i = 0; i < 7; i++) {
                assertThat(handoff.offer(i)).isTrue();
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> batches.size() == 2);
        }
        assertThat(batches).containsExactly(List.of(0, 1, 2), List.of(3, 4, 5), List.of(6));
    }

    @Test
    void aFailingHandlerIsCountedAndTheThreadGoesOn() {
        List<Integer> handled = new CopyOnWriteArrayList<>();
        try (BoundedHandoff<Integer> handoff = new BoundedHandoff<>("test-handoff", 10, 1, Duration.ZERO, batch -> {
            if (batch.getFirst() == 1) {
                throw new IllegalStateException("refused");
            }
            handled.addAll(batch);
        })) {
            handoff.offer(1);
            handoff.offer(2);
            await().atMost(Duration.ofSeconds(10)).until(() -> handled.contains(2));
            assertThat(handoff.failedBatches()).isEqualTo(1);
        }
    }

    @Test
    void offersAfterCloseAreDropped() {
        BoundedHandoff<Integer> handoff = new BoundedHandoff<>("test-handoff", 10, 1, Duration.ZERO, batch -> { });
        handoff.close();
        assertThat(handoff.offer(1)).isFalse();
        assertThat(handoff.dropped()).isEqualTo(1);
    }

    @Test
    void rejectsEmptyBounds() {
        assertThatThrownBy(() -> new BoundedHandoff<Integer>("test-handoff", 0, 1, Duration.ZERO, batch -> { }))
                .hasMessageContaining("expected: both at least 1");
    }
}
