package dev.skiff.proxy.authz;

import java.util.List;
import java.util.Objects;

/**
 * One RBAC filter's rules: its action and named policies, in the order the filter was configured. A policy matches
 * when one of its permissions and one of its principals match.
 *
 * @param action     what a match means
 * @param policies   the policies
 * @param statPrefix an RBAC network filter's {@code stat_prefix}, under which its connections are counted
 *                   ({@code <stat_prefix>rbac.allowed}, ...); empty for HTTP filters, which count under their
 *                   listener
 */
public record RbacRules(Action action, List<Policy> policies, String statPrefix) {

    /** Envoy's RBAC actions. */
    public enum Action { ALLOW, DENY, LOG }

    /** One named policy. */
    public record Policy(String name, List<RbacMatcher> permissions, List<RbacMatcher> principals) {
        public Policy {
            Objects.requireNonNull(name, "name");
            permissions = List.copyOf(permissions);
            principals = List.copyOf(principals);
        }

        public boolean matches(RbacAttributes request) {
            return anyMatches(permissions, request) && anyMatches(principals, request);
        }

        private static boolean anyMatches(List<RbacMatcher> matchers, RbacAttributes request) {
            for (int i = 0; i < matchers.size(); i++) {
                if (matchers.get(i).matches(request)) {
                    return true;
                }
            }
            return false;
        }
    }

    public RbacRules {
        Objects.requireNonNull(action, "action");
        policies = List.copyOf(policies);
        Objects.requireNonNull(statPrefix, "statPrefix");
    }

    /** An HTTP RBAC filter's rules. */
    public RbacRules(Action action, List<Policy> policies) {
        this(action, policies, "");
    }

    /** These rules as an RBAC network filter's with the given {@code stat_prefix}. */
    public RbacRules withStatPrefix(String prefix) {
        return new RbacRules(action, policies, prefix);
    }

    /** A bit of {@link #decide}'s result: a filter denied the request. */
    public static final int DENIED = 1;
    /** A bit of {@link #decide}'s result: a LOG filter ran (Envoy then sets {@code access_log_hint}). */
    public static final int LOG_EVALUATED = 2;
    /** A bit of {@link #decide}'s result: a LOG filter's policy matched ({@code access_log_hint: true}). */
    public static final int LOGGED = 4;

    /**
     * Runs the filters in order, as Envoy runs its RBAC filters, until one denies: returns the {@link #DENIED},
     * {@link #LOG_EVALUATED} and {@link #LOGGED} bits of what happened, without allocating.
     */
    public static int decide(List<RbacRules> filters, RbacAttributes request) {
        int result = 0;
        for (int i = 0; i < filters.size(); i++) {
            RbacRules filter = filters.get(i);
            if (filter.action == Action.LOG) {
                result |= filter.firstMatch(request) != null ? LOG_EVALUATED | LOGGED : LOG_EVALUATED;
            } else if (!filter.permits(request)) {
                return result | DENIED;
            }
        }
        return result;
    }

    /** The first policy the request matches, or null. */
    public Policy firstMatch(RbacAttributes request) {
        for (int i = 0; i < policies.size(); i++) {
            if (policies.get(i).matches(request)) {
                return policies.get(i);
            }
        }
        return null;
    }

    /**
     * Whether this filter lets the request through: an ALLOW filter when a policy matches, a DENY filter when none
     * does, a LOG filter always.
     */
    public boolean permits(RbacAttributes request) {
        return switch (action) {
            case ALLOW -> firstMatch(request) != null;
            case DENY -> firstMatch(request) == null;
            case LOG -> true;
        };
    }
}
