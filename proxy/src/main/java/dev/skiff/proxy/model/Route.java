package dev.skiff.proxy.model;

import java.util.Map;

/**
 * One route of a virtual host; the first route whose match holds handles the request.
 *
 * @param name          the route name (may be empty)
 * @param match         the conditions
 * @param action        the forwarding action
 * @param filterConfigs per-route configuration of HTTP filters by filter name (Envoy's
 *                      {@code typed_per_filter_config}), already translated into the filter's own record
 * @param localResponse what the proxy answers itself (a redirect or a direct response), null for a route that
 *                      forwards; exactly one of {@code action} and {@code localResponse} is set
 */
public record Route(String name, RouteMatch match, RouteAction action, Map<String, Object> filterConfigs,
                    LocalResponseSpec localResponse) {

    public Route {
        name = name == null ? "" : name;
        Validation.notNull(match, "match of route " + name);
        if ((action == null) == (localResponse == null)) {
            throw new IllegalArgumentException("route " + name + ": " + (action == null ? "no action"
                    : "both a forwarding action and a local response") + " (expected: exactly one of them)");
        }
        filterConfigs = filterConfigs == null ? Map.of() : Map.copyOf(filterConfigs);
    }

    public Route(String name, RouteMatch match, RouteAction action, Map<String, Object> filterConfigs) {
        this(name, match, action, filterConfigs, null);
    }

    public Route(String name, RouteMatch match, RouteAction action) {
        this(name, match, action, Map.of());
    }

    /** The route's configuration for the named filter, or null when the route has none. */
    public <T> T filterConfig(String filterName, Class<T> type) {
        Object config = filterConfigs.get(filterName);
        return type.isInstance(config) ? type.cast(config) : null;
    }
}
