package dev.skiff.controlplane.config;

/** Receives each new configuration snapshot of a {@link ConfigSource}. */
@FunctionalInterface
public interface ConfigListener {
    /** Called on the source's own thread, one call at a time, with versions in increasing order. */
    void onSnapshot(ConfigSnapshot snapshot);
}
