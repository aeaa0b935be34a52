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
 */
public record Route(String name, RouteMatch match, RouteAction action, Map<String, Object> filterConfigs) {

    public Route {
        name = name == null ? "" : name;
        Validation.notNull(match, "match of route " + name);
        Validation.notNull(action, "action of route " + name);
        filterConfigs = filterConfigs == null ? Map.of() : Map.copyOf(filterConfigs);
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
