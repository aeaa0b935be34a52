package dev.skiff.proxy.transport;

/**
 * Fired at the connections of a listener that is being removed: idle connections close, busy ones close after
 * their current response.
 */
public enum DrainEvent {
    INSTANCE
}
