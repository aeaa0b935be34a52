package dev.skiff.proxy.model;

import java.util.List;

/**
 * A group of routes served for a set of domains.
 *
 * @param name    the virtual host name, e.g. {@code reviews.default.svc.cluster.local:9080}
 * @param domains exact domains, {@code *.suffix} / {@code prefix*} wildcards or {@code *}
 * @param routes  the routes in order
 */
public record VirtualHost(String name, List<String> domains, List<Route> routes) {

    public VirtualHost {
        Validation.notNull(name, "virtual host name");
        domains = List.copyOf(Validation.notNull(domains, "domains of virtual host " + name));
        if (domains.isEmpty()) {
            throw new IllegalArgumentException("domains of virtual host " + name + ": [] (expected: at least one)");
        }
        for (String domain : domains) {
            Validation.notBlank(domain, "domain of virtual host " + name);
        }
        routes = List.copyOf(Validation.notNull(routes, "routes of virtual host " + name));
    }

    /** The first route whose match holds for the request, or null. */
    public Route findRoute(RequestHeadersView request) {
        for (int i = 0, n = routes.size(); i < n; i++) {
            Route route = routes.get(i);
            if (route.match().matches(request)) {
                return route;
            }
        }
        return null;
    }
}
