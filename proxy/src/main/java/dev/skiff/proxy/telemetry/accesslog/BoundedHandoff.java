package dev.skiff.proxy.telemetry.accesslog;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * Hands items from event loops to one background thread without ever blocking the producer: a bounded lock-free
 * queue; an item offered while the queue is full is dropped and counted. The thread takes up to {@code maxBatch}
 * items at a time and, when {@code linger} is positive, waits up to that long for a batch to fill before handling
 * what it has. Closing hands over what is still queued, then stops the thread.
 *
 * @param <T> the items handed over
 */
public final class BoundedHandoff<T> implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(BoundedHandoff.class);
    private static final long IDLE_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(200);
    private static final long LINGER_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(5);

    private final ConcurrentLinkedQueue<T> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger size = new AtomicInteger();
    private final LongAdder dropped = new LongAdder();
    private final LongAdder failedBatches = new LongAdder();
    private final int capacity;
    private final int maxBatch;
    private final long lingerNanos;
    private final Consumer<List<T>> handler;
    private final Thread thread;
    private volatile boolean parked;
    private volatile boolean closed;

    /**
     * @param name     the background thread's name
     * @param capacity how many items may wait; more are dropped
     * @param maxBatch the most items handed to {@code handler} at once
     * @param linger   how long to wait for a batch to fill, zero to hand over what is there at once
     * @param handler  runs on the background thread with each batch (a list it reuses afterwards)
     */
    public BoundedHandoff(String name, int capacity, int maxBatch, Duration linger, Consumer<List<T>> handler) {
        if (capacity < 1 || maxBatch < 1) {
            throw new IllegalArgumentException("capacity " + capacity + ", maxBatch " + maxBatch
                    + " (expected: both at least 1)");
        }
        this.capacity = capacity;
        this.maxBatch = maxBatch;
        this.lingerNanos = linger.toNanos();
        this.handler = Objects.requireNonNull(handler, "handler");
        this.thread = Thread.ofPlatform().name(name).daemon(true).unstarted(this::run);
        thread.start();
    }

    /** Queues an item for the background thread; false (and counted as dropped) when full or closed. */
    public boolean offer(T item) {
        if (closed) {
            dropped.increment();
            return false;
        }
        if (size.incrementAndGet() > capacity) {
            size.decrementAndGet();
            dropped.increment();
            return false;
        }
        queue.offer(item);
        if (parked) {
            LockSupport.unpark(thread);
        }
        return true;
    }

    /** Items dropped because the queue was full (or the handoff closed). */
    public long dropped() {
        return dropped.sum();
    }

    /** Batches whose handler threw. */
    public long failedBatches() {
        return failedBatches.sum();
    }

    private void run() {
        List<T> batch = new ArrayList<>(maxBatch);
        while (true) {
            take(batch);
            if (batch.isEmpty()) {
                if (closed && queue.isEmpty()) {
                    return;
                }
                park(IDLE_PARK_NANOS);
                continue;
            }
            if (lingerNanos > 0 && batch.size() < maxBatch) {
                long deadline = System.nanoTime() + lingerNanos;
                long remaining;
                while (batch.size() < maxBatch && !closed && (remaining = deadline - System.nanoTime()) > 0) {
                    if (!take(batch)) {
                        park(Math.min(remaining, LINGER_PARK_NANOS));
                    }
                }
                take(batch);
            }
            try {
                handler.accept(batch);
            } catch (RuntimeException e) {
                failedBatches.increment();
                log.warn("{}: handling {} items failed: {}", thread.getName(), batch.size(), e.toString());
            }
            batch.clear();
        }
    }

    /** Moves queued items into the batch up to its limit; whether any moved. */
    private boolean take(List<T> batch) {
        boolean any = false;
        T item;
        while (batch.size() < maxBatch && (item = queue.poll()) != null) {
            size.decrementAndGet();
            batch.add(item);
            any = true;
        }
        return any;
    }

    private void park(long nanos) {
        parked = true;
        if (queue.isEmpty() && !closed) {
            LockSupport.parkNanos(this, nanos);
        }
        parked = false;
    }

    @Override
    public void close() {
        closed = true;
        LockSupport.unpark(thread);
        try {
            if (!thread.join(CLOSE_WAIT)) {
                log.warn("{} did not finish within {}", thread.getName(), CLOSE_WAIT);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
