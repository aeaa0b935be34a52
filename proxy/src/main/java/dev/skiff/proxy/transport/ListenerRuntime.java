package dev.skiff.proxy.transport;

import dev.skiff.proxy.model.ListenerSpec;

/** A listener spec with its chain index, built once per snapshot. */
public record ListenerRuntime(ListenerSpec spec, ChainIndex chains) {

    public static ListenerRuntime of(ListenerSpec spec) {
        return new ListenerRuntime(spec, new ChainIndex(spec.chains()));
    }
}
