package dev.skiff.controlplane.config;

import java.io.IOException;
import java.util.List;

/** Where configuration comes from: a watched directory of YAML files, or a cluster. */
public interface ConfigSource extends AutoCloseable {
    /**
     * Loads the configuration present now, hands that first snapshot to {@code listener} before returning, then
     * keeps watching and calls {@code listener} again whenever the set of valid objects changes.
     */
    void start(ConfigListener listener) throws IOException;

    /** The latest snapshot ({@link ConfigSnapshot#EMPTY} before the first load). */
    ConfigSnapshot current();

    /** The problems found by the latest load, in file order; empty when everything is valid. */
    List<ConfigError> currentErrors();

    /** Stops watching. */
    @Override
    void close();
}
