package dev.skiff.controlplane.xds.generator;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.function.Function;

/**
 * Values computed once per key on first use, for generation work that takes long and that many push threads ask for
 * at once (every sidecar of a scope wants the same cluster list right after a change).
 *
 * <p>{@link ConcurrentHashMap#computeIfAbsent} runs the computation while it holds a lock on the key's bin, so the
 * other callers of that bin spin on the lock, burning the CPU the one computing thread needs, before they block.
 * Here the map only holds a task: the first caller runs it without any map lock, the others park until it is done.
 * A computation that fails is forgotten, so the next caller tries again.
 */
final class OnceMap<K, V> {
    private final ConcurrentHashMap<K, FutureTask<V>> tasks = new ConcurrentHashMap<>();

    /** The value of {@code key}, computed by {@code compute} if no caller has computed it yet. */
    V get(K key, Function<? super K, ? extends V> compute) {
        FutureTask<V> task = tasks.get(key);
        if (task == null) {
            FutureTask<V> mine = new FutureTask<>(() -> compute.apply(key));
            task = tasks.putIfAbsent(key, mine);
            if (task == null) {
                task = mine;
                mine.run();
            }
        }
        try {
            return task.get();
        } catch (ExecutionException e) {
            tasks.remove(key, task);
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw new IllegalStateException("computing " + key + " failed", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for " + key + " to be computed", e);
        }
    }
}
