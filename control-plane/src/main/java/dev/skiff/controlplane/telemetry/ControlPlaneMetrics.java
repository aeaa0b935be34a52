package dev.skiff.controlplane.telemetry;

import dev.skiff.controlplane.config.ConfigError;
import dev.skiff.controlplane.config.ConfigSnapshot;
import io.micrometer.core.instrument.Clock;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmInfoMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The control plane's own metrics, with istiod's names, types, labels and buckets, exported in the Prometheus text
 * format on the monitoring port ({@code GET /metrics}).
 *
 * <p>Every meter that is recorded on a hot path is resolved once here; recording is a lock-free add. The xDS server
 * records through one {@link StreamMetrics} per stream ({@link #newStream()}); the config pipeline through
 * {@link #configApplied(ConfigSnapshot)} and {@link #watchConfigErrors(Supplier)}; other components (the CA) get
 * their own Istio-named counters from {@link #istioCounter(String, String, String...)}.
 *
 * <p>Counters registered here are exported under their exact Istio names, without the {@code _total} suffix that
 * Prometheus client libraries add (istiod exports them that way); counters of the JVM binders keep {@code _total}.
 */
public final class ControlPlaneMetrics implements AutoCloseable {
    static final double[] PROXY_LATENCY_BUCKETS = {.1, .5, 1, 3, 5, 10, 20, 30};
    static final double[] PUSH_LATENCY_BUCKETS = {.01, .1, 1, 3, 5, 10, 20, 30};
    static final double[] CONFIG_SIZE_BUCKETS = {1, 10_000, 1_000_000, 4_000_000, 10_000_000, 40_000_000};
    static final String[] GRPC_CODE_NAMES = {"OK", "Canceled", "Unknown", "InvalidArgument", "DeadlineExceeded",
        "NotFound", "AlreadyExists", "PermissionDenied", "ResourceExhausted", "FailedPrecondition", "Aborted",
        "OutOfRange", "Unimplemented", "Internal", "Unavailable", "DataLoss", "Unauthenticated"};

    private static final String TYPE = "type";

    private final PrometheusMeterRegistry registry;
    private final Clock clock;
    private final Set<String> istioCounterNames = ConcurrentHashMap.newKeySet();

    private final Counter[] pushes = new Counter[XdsType.ALL.length];
    private final Counter[] sendErrors = new Counter[XdsType.ALL.length];
    private final DistributionSummary[] pushTime = new DistributionSummary[XdsType.ALL.length];
    private final DistributionSummary[] configSize = new DistributionSummary[XdsType.ALL.length];
    private final Counter[] rejects = new Counter[XdsType.ALL.length];
    private final Counter[] expiredNonces = new Counter[XdsType.ALL.length];
    private final Counter[] triggers = new Counter[PushTrigger.values().length];
    private final DistributionSummary sendTime;
    private final DistributionSummary queueTime;
    private final DistributionSummary convergenceTime;
    private final Counter internalErrors;
    private final Counter inboundConfigUpdates;

    private final ConcurrentMap<String, AtomicLong> clientsByVersion = new ConcurrentHashMap<>();
    private final ConcurrentMap<RejectKey, RejectGauge> rejectGauges = new ConcurrentHashMap<>();

    private final Object configLock = new Object();
    private ConfigSnapshot lastConfig = ConfigSnapshot.EMPTY;
    private Set<ConfigError> knownErrors = Set.of();
    private volatile Supplier<List<ConfigError>> configErrors = List::of;

    private JvmGcMetrics gcMetrics;

    /** A new registry on the system clock, with the control plane's meters and without JVM metrics. */
    public ControlPlaneMetrics() {
        this(Clock.SYSTEM);
    }

    /** @param clock for latencies ({@link Clock#monotonicTime()}) */
    public ControlPlaneMetrics(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT, new PrometheusRegistry(), clock);
        for (XdsType type : XdsType.ALL) {
            int i = type.ordinal();
            pushes[i] = istioCounter("pilot_xds_pushes", "Pilot build and send errors for lds, rds, cds and eds.",
                    TYPE, type.label());
            sendErrors[i] = istioCounter("pilot_xds_pushes", "Pilot build and send errors for lds, rds, cds and eds.",
                    TYPE, type.label() + "_senderr");
            pushTime[i] = histogram("pilot_xds_push_time",
                    "Total time in seconds Pilot takes to push lds, rds, cds and eds.", PUSH_LATENCY_BUCKETS,
                    TYPE, type.label());
            configSize[i] = histogram("pilot_xds_config_size_bytes",
                    "Distribution of configuration sizes pushed to clients", CONFIG_SIZE_BUCKETS, TYPE, type.label());
            rejects[i] = istioCounter("pilot_total_xds_rejects",
                    "Total number of XDS responses from pilot rejected by proxy.", TYPE, type.label());
            expiredNonces[i] = istioCounter("pilot_xds_expired_nonce",
                    "Total number of XDS requests with an expired nonce.", TYPE, type.label());
        }
        for (PushTrigger trigger : PushTrigger.values()) {
            triggers[trigger.ordinal()] = istioCounter("pilot_push_triggers",
                    "Total number of times a push was triggered, labeled by reason for the push.",
                    TYPE, trigger.label());
        }
        sendTime = histogram("pilot_xds_send_time",
                "Total time in seconds Pilot takes to send generated configuration.", PUSH_LATENCY_BUCKETS);
        queueTime = histogram("pilot_proxy_queue_time",
                "Time in seconds, a proxy is in the push queue before being dequeued.", PROXY_LATENCY_BUCKETS);
        convergenceTime = histogram("pilot_proxy_convergence_time",
                "Delay in seconds between config change and a proxy receiving all required configuration.",
                PROXY_LATENCY_BUCKETS);
        internalErrors = istioCounter("pilot_total_xds_internal_errors",
                "Total number of internal XDS errors in pilot.");
        inboundConfigUpdates = istioCounter("pilot_inbound_updates", "Total number of updates received by pilot.",
                TYPE, "config");
    }

    /**
     * Adds the JVM and process metrics of Micrometer's binders (memory, GC, threads, class loading, CPU, uptime,
     * open files) and the standard {@code process_*} metrics of Prometheus clients (CPU seconds, file descriptors,
     * resident and virtual memory). {@link #close()} releases what they hold.
     */
    public synchronized ControlPlaneMetrics bindJvmMetrics() {
        if (gcMetrics != null) {
            throw new IllegalStateException("JVM metrics are already bound to this registry");
        }
        new ClassLoaderMetrics().bindTo(registry);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new JvmInfoMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
        new StandardProcessMetrics().bindTo(registry);
        gcMetrics = new JvmGcMetrics();
        gcMetrics.bindTo(registry);
        return this;
    }

    /** The underlying registry, for components that register meters of their own. */
    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /**
     * A counter exported under exactly {@code name} (no {@code _total} suffix), as istiod exports its sums; e.g.
     * {@code istioCounter("citadel_server_csr_count", "The number of CSRs received by Citadel server.")}. Resolve it
     * once and keep it: the lookup is not meant for hot paths.
     *
     * @param tags label names and values, alternating
     */
    public Counter istioCounter(String name, String help, String... tags) {
        istioCounterNames.add(name);
        return Counter.builder(name).description(help).tags(tags).register(registry);
    }

    /** A new stream's recorder; the stream must call {@link StreamMetrics#closed()} when it ends. */
    public StreamMetrics newStream() {
        return new StreamMetrics(this);
    }

    /** A push to every connected proxy was requested. */
    public void pushTriggered(PushTrigger trigger) {
        triggers[trigger.ordinal()].increment();
    }

    /**
     * A new configuration snapshot was applied: each object added, changed or removed counts as one
     * {@code pilot_inbound_updates{type="config"}}; new validation errors are counted too.
     */
    public void configApplied(ConfigSnapshot snapshot) {
        int changed;
        synchronized (configLock) {
            changed = snapshot.changedSince(lastConfig).size();
            lastConfig = snapshot;
        }
        inboundConfigUpdates.increment(changed);
        observeConfigErrors();
    }

    /**
     * Where the current configuration errors come from (e.g. {@code source::currentErrors}). They are read after
     * each applied snapshot and before each scrape; every error not present at the previous reading counts once in
     * {@code galley_validation_failed}.
     */
    public void watchConfigErrors(Supplier<List<ConfigError>> errors) {
        configErrors = Objects.requireNonNull(errors, "errors");
        observeConfigErrors();
    }

    /** Everything in the Prometheus text exposition format (version 0.0.4). */
    public String scrape() {
        observeConfigErrors();
        StringBuilder out = new StringBuilder(16 * 1024);
        PrometheusTextWriter.write(out, registry.getPrometheusRegistry().scrape(), istioCounterNames::contains);
        return out.toString();
    }

    @Override
    public synchronized void close() {
        if (gcMetrics != null) {
            gcMetrics.close();
        }
        registry.close();
    }

    long now() {
        return clock.monotonicTime();
    }

    void pushed(XdsType type, long startedAt, long sendStartedAt, long endedAt, int bytes) {
        int i = type.ordinal();
        pushes[i].increment();
        pushTime[i].record(seconds(endedAt - startedAt));
        configSize[i].record(bytes);
        sendTime.record(seconds(endedAt - sendStartedAt));
    }

    void sendFailed(XdsType type) {
        sendErrors[type.ordinal()].increment();
    }

    void queued(long nanos) {
        queueTime.record(seconds(nanos));
    }

    void converged(long nanos) {
        convergenceTime.record(seconds(nanos));
    }

    void rejected(XdsType type) {
        rejects[type.ordinal()].increment();
    }

    void expiredNonce(XdsType type) {
        expiredNonces[type.ordinal()].increment();
    }

    void internalError() {
        internalErrors.increment();
    }

    void clientConnected(String version) {
        clientsByVersion.computeIfAbsent(version, this::clientGauge).incrementAndGet();
    }

    void clientDisconnected(String version) {
        clientsByVersion.get(version).decrementAndGet();
    }

    /** One more NACK of {@code key}'s type from its node with its error code. */
    void addReject(RejectKey key) {
        rejectGauges.compute(key, (k, held) -> {
            RejectGauge gauge = held == null ? registerReject(k) : held;
            gauge.count.incrementAndGet();
            return gauge;
        });
    }

    /** Takes back {@code count} NACKs of {@code key}; the series disappears when none are left. */
    void releaseRejects(RejectKey key, long count) {
        rejectGauges.computeIfPresent(key, (k, held) -> {
            if (held.count.addAndGet(-count) > 0) {
                return held;
            }
            registry.remove(held.gauge);
            return null;
        });
    }

    private RejectGauge registerReject(RejectKey key) {
        AtomicLong count = new AtomicLong();
        Gauge gauge = Gauge.builder("pilot_xds_" + key.type().label() + "_reject", count, AtomicLong::doubleValue)
                .description("Pilot rejected " + key.type().name() + " configs.")
                .tags("node", key.node(), "err", key.err())
                .strongReference(true)
                .register(registry);
        return new RejectGauge(count, gauge);
    }

    private AtomicLong clientGauge(String version) {
        AtomicLong count = new AtomicLong();
        Gauge.builder("pilot_xds", count, AtomicLong::doubleValue)
                .description("Number of endpoints connected to this pilot using XDS.")
                .tags("version", version)
                .strongReference(true)
                .register(registry);
        return count;
    }

    private DistributionSummary histogram(String name, String help, double[] buckets, String... tags) {
        return DistributionSummary.builder(name)
                .description(help)
                .tags(tags)
                .serviceLevelObjectives(buckets)
                .register(registry);
    }

    private void observeConfigErrors() {
        List<ConfigError> current = configErrors.get();
        synchronized (configLock) {
            if (current.isEmpty() && knownErrors.isEmpty()) {
                return;
            }
            Set<ConfigError> next = new HashSet<>(current);
            for (ConfigError error : next) {
                if (!knownErrors.contains(error)) {
                    validationFailed(error);
                }
            }
            knownErrors = Set.copyOf(next);
        }
    }

    private void validationFailed(ConfigError error) {
        String group = "";
        String resource = "";
        if (error.key() != null) {
            group = error.key().kind().group();
            resource = plural(error.key().kind().kindName());
        }
        Counter.builder("galley_validation_failed")
                .description("Resource validation failed.")
                .tags("group", group, "version", "", "resource", resource,
                        "reason", error.key() == null ? "yaml_decode_error" : "invalid_config")
                .register(registry)
                .increment();
        istioCounterNames.add("galley_validation_failed");
    }

    /** {@code VirtualService} to {@code virtualservices}, {@code ServiceEntry} to {@code serviceentries}. */
    static String plural(String kindName) {
        String lower = kindName.toLowerCase(Locale.ROOT);
        return lower.endsWith("y") ? lower.substring(0, lower.length() - 1) + "ies" : lower + "s";
    }

    /** The {@code err} label: the gRPC status code name of a NACK's error detail, as Go prints it. */
    static String grpcCodeName(int code) {
        return code >= 0 && code < GRPC_CODE_NAMES.length ? GRPC_CODE_NAMES[code] : "Code(" + code + ")";
    }

    private static double seconds(long nanos) {
        return nanos / 1e9;
    }

    /** One series of {@code pilot_xds_<type>_reject}. */
    record RejectKey(XdsType type, String node, String err) {
    }

    private record RejectGauge(AtomicLong count, Gauge gauge) {
    }
}
