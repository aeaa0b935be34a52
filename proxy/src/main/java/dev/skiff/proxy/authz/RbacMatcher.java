package dev.skiff.proxy.authz;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One of Envoy's RBAC permissions or principals as a runtime matcher: the combinators (any, and, or, not) and
 * the leaf attributes Istio's policies use.
 */
public sealed interface RbacMatcher {

    boolean matches(RbacAttributes request);

    /** Matches every request. */
    record Any() implements RbacMatcher {
        @Override
        public boolean matches(RbacAttributes request) {
            return true;
        }
    }

    /** Matches when every one of its matchers does. */
    record And(List<RbacMatcher> all) implements RbacMatcher {
        public And {
            all = List.copyOf(all);
        }

        @Override
        public boolean matches(RbacAttributes request) {
            for (int i = 0; i < all.size(); i++) {
                if (!all.get(i).matches(request)) {
                    return false;
                }
            }
            return true;
        }
    }

    /** Matches when at least one of its matchers does. */
    record Or(List<RbacMatcher> any) implements RbacMatcher {
        public Or {
            any = List.copyOf(any);
        }

        @Override
        public boolean matches(RbacAttributes request) {
            for (int i = 0; i < any.size(); i++) {
                if (any.get(i).matches(request)) {
                    return true;
                }
            }
            return false;
        }
    }

    /** Matches when its matcher does not. */
    record Not(RbacMatcher negated) implements RbacMatcher {
        public Not {
            Objects.requireNonNull(negated, "negated");
        }

        @Override
        public boolean matches(RbacAttributes request) {
            return !negated.matches(request);
        }
    }

    /** The peer's principal (no principal: no match). */
    record PrincipalName(StringMatch match) implements RbacMatcher {
        @Override
        public boolean matches(RbacAttributes request) {
            return match.matches(request.principal());
        }
    }

    /** The address of the connection's peer. */
    record SourceIp(Cidr block) implements RbacMatcher {
        @Override
        public boolean matches(RbacAttributes request) {
            return block.contains(request.sourceAddress());
        }
    }

    /** The address of the original client. */
    record RemoteIp(Cidr block) implements RbacMatcher {
        @Override
        public boolean matches(RbacAttributes request) {
            return block.contains(request.remoteAddress());
        }
    }

    /** The address the connection was accepted on. */
    record DestinationIp(Cidr block) implements RbacMatcher {
        @Override
        public boolean matches(RbacAttributes request) {
            return block.contains(request.destinationAddress());
        }
    }

    /** The port the connection was accepted on. */
    record DestinationPort(int port) implements RbacMatcher {
        @Override
        public boolean matches(RbacAttributes request) {
            return request.destinationPort() == port;
        }
    }

    /** The SNI of the connection. */
    record RequestedServerName(StringMatch match) implements RbacMatcher {
        @Override
        public boolean matches(RbacAttributes request) {
            return match.matches(request.requestedServerName());
        }
    }

    /** The request path without its query (Envoy's {@code url_path}). */
    record UrlPath(StringMatch match) implements RbacMatcher {
        @Override
        public boolean matches(RbacAttributes request) {
            return match.matches(request.path());
        }
    }

    /** A request header or pseudo-header; an absent header never matches. */
    record Header(String lowerCaseName, StringMatch match) implements RbacMatcher {
        public Header {
            Objects.requireNonNull(lowerCaseName, "lowerCaseName");
        }

        @Override
        public boolean matches(RbacAttributes request) {
            return match.matches(request.header(lowerCaseName));
        }
    }

    /**
     * A value of a filter's dynamic metadata, found by a path of keys into nested maps (Envoy's
     * {@code MetadataMatcher}); an absent value never matches, unless {@code invert}.
     */
    record Metadata(String filter, List<String> path, ValueMatch value, boolean invert) implements RbacMatcher {
        public Metadata {
            Objects.requireNonNull(filter, "filter");
            path = List.copyOf(path);
            Objects.requireNonNull(value, "value");
        }

        @Override
        public boolean matches(RbacAttributes request) {
            Object current = request.dynamicMetadata(filter);
            for (int i = 0; i < path.size() && current != null; i++) {
                current = current instanceof Map<?, ?> map ? map.get(path.get(i)) : null;
            }
            return (current != null && value.matches(current)) != invert;
        }
    }
}
