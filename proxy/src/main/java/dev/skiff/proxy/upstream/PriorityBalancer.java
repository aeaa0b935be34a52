package dev.skiff.proxy.upstream;

import dev.skiff.proxy.model.ClusterPolicy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.random.RandomGenerator;

/**
 * Envoy's priority levels and locality weights over one cluster's hosts.
 *
 * <p>Each level's health is the share of its hosts the outlier detector has not ejected, times Envoy's
 * overprovisioning factor of 1.4, at most 100 %. Levels take load in priority order, each as much as its health
 * allows, so a level keeps all the traffic until more than about 29 % of its hosts are ejected and then spills the
 * rest to the next; when the levels' health adds up to less than 100 %, the load is shared in proportion to it.
 * Below 100 % total, a level whose healthy share is under the panic threshold balances over all its hosts; with no
 * healthy host anywhere, level 0 takes everything in panic (no host at all with a panic threshold of 0). With
 * locality weights, a level spreads its load over its localities by locality weight times the locality's health
 * (same factor), in smooth weighted round robin; localities without a weight get nothing.
 *
 * <p>The plan (loads and balancers per level) is rebuilt on the owning event loop only when the detector's
 * ejections changed; a pick draws one number and allocates nothing.
 */
final class PriorityBalancer implements LoadBalancer {

    /** Envoy's default overprovisioning factor, in percent. */
    static final int OVERPROVISIONING_PERCENT = 140;
    private static final int FULL = 100;

    private final List<List<UpstreamHost>> levels;
    private final Function<List<UpstreamHost>, LoadBalancer> factory;
    private final OutlierDetector detector;
    private final double panicThreshold;
    private final boolean localityWeighted;
    private final LoadBalancer[] balancers;
    private final int[] cumulativeLoad;
    private int seenVersion = Integer.MIN_VALUE;
    private boolean planned;

    /** @param detector the cluster's outlier detector, or null when it has none */
    PriorityBalancer(List<UpstreamHost> hosts, Function<List<UpstreamHost>, LoadBalancer> factory,
                     OutlierDetector detector, ClusterPolicy policy) {
        List<List<UpstreamHost>> byPriority = new ArrayList<>();
        for (UpstreamHost host : hosts) {
            int priority = host.endpoint().priority();
            while (byPriority.size() <= priority) {
                byPriority.add(new ArrayList<>());
            }
            byPriority.get(priority).add(host);
        }
        this.levels = byPriority;
        this.factory = factory;
        this.detector = detector;
        this.panicThreshold = policy.healthyPanicThreshold();
        this.localityWeighted = policy.localityWeighted();
        this.balancers = new LoadBalancer[byPriority.size()];
        this.cumulativeLoad = new int[byPriority.size()];
    }

    /** Whether a cluster's hosts need this balancer: more than one priority level, or locality weights. */
    static boolean needed(List<UpstreamHost> hosts, ClusterPolicy policy) {
        if (policy.localityWeighted()) {
            return true;
        }
        for (UpstreamHost host : hosts) {
            if (host.endpoint().priority() > 0) {
                return true;
            }
        }
        return false;
    }

    @Override
    public UpstreamHost pick(RandomGenerator random) {
        LoadBalancer balancer = level(random.nextInt(FULL));
        return balancer == null ? null : balancer.pick(random);
    }

    @Override
    public UpstreamHost pick(long hash, RandomGenerator random) {
        LoadBalancer balancer = level((int) Math.floorMod(hash, (long) FULL));
        return balancer == null ? null : balancer.pick(hash, random);
    }

    private LoadBalancer level(int draw) {
        int version = detector == null ? 0 : detector.version();
        if (!planned || version != seenVersion) {
            seenVersion = version;
            planned = true;
            plan();
        }
        for (int i = 0; i < cumulativeLoad.length; i++) {
            if (draw < cumulativeLoad[i]) {
                return balancers[i];
            }
        }
        return null;
    }

    private void plan() {
        int count = levels.size();
        if (count == 0) {
            return;
        }
        List<List<UpstreamHost>> healthy = new ArrayList<>(count);
        int[] health = new int[count];
        int healthSum = 0;
        for (int i = 0; i < count; i++) {
            List<UpstreamHost> available = available(levels.get(i));
            healthy.add(available);
            health[i] = health(available.size(), levels.get(i).size());
            healthSum += health[i];
        }
        int totalHealth = Math.min(FULL, healthSum);
        int[] load = loads(health, totalHealth);
        int cumulative = 0;
        for (int i = 0; i < count; i++) {
            boolean panic = panic(i, healthy.get(i).size(), totalHealth);
            balancers[i] = balancer(panic ? levels.get(i) : healthy.get(i), levels.get(i), !panic);
            cumulative += load[i];
            cumulativeLoad[i] = cumulative;
        }
    }

    private static int[] loads(int[] health, int totalHealth) {
        int[] load = new int[health.length];
        if (totalHealth == 0) {
            load[0] = FULL;
            return load;
        }
        int remaining = FULL;
        int firstHealthy = -1;
        for (int i = 0; i < health.length; i++) {
            load[i] = Math.min(remaining, health[i] * FULL / totalHealth);
            remaining -= load[i];
            if (firstHealthy < 0 && health[i] > 0) {
                firstHealthy = i;
            }
        }
        load[firstHealthy] += remaining;
        return load;
    }

    private boolean panic(int level, int healthyHosts, int totalHealth) {
        if (panicThreshold == 0 || totalHealth == FULL) {
            return false;
        }
        if (totalHealth == 0) {
            return level == 0;
        }
        return healthyHosts * 100.0 < panicThreshold * levels.get(level).size();
    }

    /** A level's health in percent: its healthy share, overprovisioned, at most 100. */
    static int health(int healthy, int total) {
        return total == 0 ? 0 : (int) Math.min(FULL, (long) OVERPROVISIONING_PERCENT * healthy / total);
    }

    private List<UpstreamHost> available(List<UpstreamHost> hosts) {
        if (detector == null || detector.ejectedCount() == 0) {
            return hosts;
        }
        List<UpstreamHost> available = new ArrayList<>(hosts.size());
        for (UpstreamHost host : hosts) {
            if (!detector.isEjected(host)) {
                available.add(host);
            }
        }
        return available;
    }

    /**
     * The balancer of one level over {@code among}; by locality weight when the cluster asks for it, the level is
     * not in panic and some locality has a weight.
     */
    private LoadBalancer balancer(List<UpstreamHost> among, List<UpstreamHost> all, boolean byLocality) {
        if (among.isEmpty()) {
            return null;
        }
        if (!localityWeighted || !byLocality) {
            return factory.apply(among);
        }
        Map<String, List<UpstreamHost>> healthyByLocality = byLocality(among);
        Map<String, List<UpstreamHost>> allByLocality = byLocality(all);
        List<LoadBalancer> localities = new ArrayList<>();
        List<Long> weights = new ArrayList<>();
        healthyByLocality.forEach((locality, hosts) -> {
            long weight = (long) hosts.getFirst().endpoint().localityWeight()
                    * health(hosts.size(), allByLocality.get(locality).size());
            if (weight > 0) {
                localities.add(factory.apply(hosts));
                weights.add(weight);
            }
        });
        return localities.isEmpty() ? factory.apply(among) : new LocalityWeightedBalancer(localities, weights);
    }

    private static Map<String, List<UpstreamHost>> byLocality(List<UpstreamHost> hosts) {
        Map<String, List<UpstreamHost>> byLocality = new LinkedHashMap<>();
        for (UpstreamHost host : hosts) {
            byLocality.computeIfAbsent(host.endpoint().locality(), locality -> new ArrayList<>()).add(host);
        }
        return byLocality;
    }
}
