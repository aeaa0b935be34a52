package dev.skiff.proxy.authz;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The RBAC filter's counters of each listener, named as Envoy names them under the connection manager's prefix:
 * {@code http.<listener>.rbac.allowed}, {@code .denied} (the requests the filters let through or refused),
 * {@code .logged} and {@code .not_logged} (the requests a LOG filter, Istio's AUDIT policies, matched or not); and
 * the RBAC network filters' counters under their {@code stat_prefix}, {@code <stat_prefix>rbac.allowed} and so on
 * ({@code tcp.rbac.*} for Istio's), counting connections. Envoy counts in every filter of a chain; Skiff counts each
 * request or connection once, with the outcome of all the chain's filters. One set per process, shared by every
 * event loop.
 */
public final class RbacStats {

    private static final RbacStats GLOBAL = new RbacStats();

    private final Map<String, Counters> byListener = new ConcurrentHashMap<>();
    private final Map<String, Counters> byNetworkPrefix = new ConcurrentHashMap<>();

    /** The counters of one listener; take them once and keep them, counting needs no lookup. */
    public static final class Counters {
        private final LongAdder allowed = new LongAdder();
        private final LongAdder denied = new LongAdder();
        private final LongAdder logged = new LongAdder();
        private final LongAdder notLogged = new LongAdder();

        /** Counts one request with the result of {@link RbacRules#decide}. */
        public void record(int decision) {
            if ((decision & RbacRules.DENIED) != 0) {
                denied.increment();
            } else {
                allowed.increment();
            }
            if ((decision & RbacRules.LOGGED) != 0) {
                logged.increment();
            } else if ((decision & RbacRules.LOG_EVALUATED) != 0) {
                notLogged.increment();
            }
        }

        public long allowed() {
            return allowed.sum();
        }

        public long denied() {
            return denied.sum();
        }

        public long logged() {
            return logged.sum();
        }

        public long notLogged() {
            return notLogged.sum();
        }
    }

    /** The process's counters. */
    public static RbacStats global() {
        return GLOBAL;
    }

    /** The counters of the listener of that name, made on first use. */
    public Counters listener(String name) {
        return counters(byListener, name);
    }

    /** The counters of the RBAC network filters with that {@code stat_prefix}, made on first use. */
    public Counters network(String statPrefix) {
        return counters(byNetworkPrefix, statPrefix);
    }

    private static Counters counters(Map<String, Counters> map, String key) {
        Counters counters = map.get(key);
        return counters != null ? counters : map.computeIfAbsent(key, ignored -> new Counters());
    }

    /** Every listener's and network prefix's counters, one {@code name: value} line each, in name order. */
    public String humanReadable() {
        Map<String, Counters> byStatPrefix = new TreeMap<>();
        byListener.forEach((listener, counters) -> byStatPrefix.put("http." + listener + ".rbac.", counters));
        byNetworkPrefix.forEach((prefix, counters) -> byStatPrefix.put(prefix + "rbac.", counters));
        StringBuilder out = new StringBuilder();
        byStatPrefix.forEach((prefix, counters) -> {
            out.append(prefix).append("allowed: ").append(counters.allowed()).append('\n');
            out.append(prefix).append("denied: ").append(counters.denied()).append('\n');
            out.append(prefix).append("logged: ").append(counters.logged()).append('\n');
            out.append(prefix).append("not_logged: ").append(counters.notLogged()).append('\n');
        });
        return out.toString();
    }
}
