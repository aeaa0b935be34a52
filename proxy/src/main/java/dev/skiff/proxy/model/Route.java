package dev.skiff.proxy.model;

/**
 * One route of a virtual host; the first route whose match holds handles the request.
 *
 * @param name   the route name (may be empty)
 * @param match  the conditions
 * @param action the forwarding action
 */
public record Route(String name, RouteMatch match, RouteAction action) {

    public Route {
        name = name == null ? "" : name;
        Validation.notNull(match, "match of route " + name);
        Validation.notNull(action, "action of route " + name);
    }
}
