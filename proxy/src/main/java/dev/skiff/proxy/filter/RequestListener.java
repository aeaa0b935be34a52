package dev.skiff.proxy.filter;

/**
 * Told about every finished request or TCP connection, on the event loop that served it; must not block.
 * Telemetry and access logging plug in here.
 */
@FunctionalInterface
public interface RequestListener {

    RequestListener NONE = context -> { };

    void onComplete(RequestContext context);
}
