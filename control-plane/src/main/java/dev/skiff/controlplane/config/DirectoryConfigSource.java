package dev.skiff.controlplane.config;

import dev.skiff.controlplane.meshconfig.MeshConfig;
import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Configuration from a directory of YAML files ({@code *.yaml}, {@code *.yml}, recursively, read in sorted path
 * order), watched for changes.
 *
 * <p>Each object keeps its last good version: a document that fails validation never replaces the valid object
 * it had declared before, and the other documents of its file still apply. Deleting a file removes its objects; a
 * file that is not even valid YAML keeps every object it contributed before, and so does the whole directory
 * while it cannot be listed (while it is missing, say). When two documents declare the same
 * kind, namespace and name, the first one read wins and the other is reported.
 *
 * <p>Changes are noticed by a {@link WatchService} and, because editors often replace files by renaming, also by
 * a periodic rescan; they are debounced, and the listener hears of a new snapshot only when some object changed.
 * Each distinct error is logged once; all current errors are in {@link #currentErrors()}.
 */
public final class DirectoryConfigSource implements ConfigSource {
    private static final Logger log = LoggerFactory.getLogger(DirectoryConfigSource.class);

    /**
     * @param quietPeriod    how long the directory must stay unchanged before it is read again
     * @param maxWait        the longest a change waits while others keep coming
     * @param rescanInterval how often the directory is checked without a watch event
     */
    public record Settings(Duration quietPeriod, Duration maxWait, Duration rescanInterval) {
        public static final Settings DEFAULTS =
                new Settings(Duration.ofMillis(100), Duration.ofSeconds(1), Duration.ofSeconds(1));

        public Settings {
            if (quietPeriod.isNegative() || quietPeriod.isZero()) {
                throw new IllegalArgumentException("quietPeriod: " + quietPeriod + " (expected: > 0)");
            }
            if (maxWait.compareTo(quietPeriod) < 0) {
                throw new IllegalArgumentException("maxWait: " + maxWait + " (expected: >= quietPeriod)");
            }
            if (rescanInterval.isNegative() || rescanInterval.isZero()) {
                throw new IllegalArgumentException("rescanInterval: " + rescanInterval + " (expected: > 0)");
            }
        }
    }

    /** What one file gave at the last load: its bytes, their parse, and the keys whose objects it supplies. */
    private record FileState(byte[] content, ParsedFile parsed, Set<ConfigKey> contributed) {
    }

    /** Name, size and modification time of every file: cheap to compute, used to notice missed events. */
    private record Fingerprint(Path file, long size, long modifiedMillis) {
    }

    private final Path directory;
    private final Settings settings;
    private final ConfigParser parser;

    private final Object loadLock = new Object();
    private Map<Path, FileState> files = Map.of();
    private Set<String> loggedErrors = Set.of();
    private List<Fingerprint> fingerprint = List.of();
    private long generations;

    private volatile ConfigSnapshot current = ConfigSnapshot.EMPTY;
    private volatile List<ConfigError> errors = List.of();
    private volatile ConfigListener listener;

    private volatile ScheduledExecutorService executor;
    private volatile Debouncer debouncer;
    private volatile WatchService watchService;
    private volatile boolean closed;

    public DirectoryConfigSource(Path directory) {
        this(directory, Settings.DEFAULTS);
    }

    public DirectoryConfigSource(Path directory, Settings settings) {
        this(directory, settings, MeshConfig.DEFAULT);
    }

    /** @param meshConfig the mesh config the objects are validated against (the tracing providers they name) */
    public DirectoryConfigSource(Path directory, Settings settings, MeshConfig meshConfig) {
        this.directory = Objects.requireNonNull(directory, "directory");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.parser = new ConfigParser(meshConfig);
    }

    public Path directory() {
        return directory;
    }

    @Override
    public void start(ConfigListener snapshotListener) throws IOException {
        Objects.requireNonNull(snapshotListener, "listener");
        if (!Files.isDirectory(directory)) {
            throw new IOException(directory + " is not a directory (expected: a directory of *.yaml files)");
        }
        synchronized (loadLock) {
            if (listener != null) {
                throw new IllegalStateException("already started");
            }
            listener = snapshotListener;
            load();
            deliver(current);
        }
        watchService = FileSystems.getDefault().newWatchService();
        registerTree(directory);
        executor = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon()
                .name("skiff-config-reload").factory());
        debouncer = new Debouncer(settings.quietPeriod(), settings.maxWait(), DelayScheduler.of(executor),
                Clock.systemUTC(), this::reloadQuietly);
        Thread.ofVirtual().name("skiff-config-watch").start(this::watchLoop);
        long rescanMillis = settings.rescanInterval().toMillis();
        executor.scheduleWithFixedDelay(this::rescanIfChanged, rescanMillis, rescanMillis, TimeUnit.MILLISECONDS);
    }

    @Override
    public ConfigSnapshot current() {
        return current;
    }

    @Override
    public List<ConfigError> currentErrors() {
        return errors;
    }

    /**
     * Reads the directory now (rather than after the next change) and, if any object changed, publishes a new
     * snapshot to the listener. Returns the current snapshot.
     */
    public ConfigSnapshot reload() {
        synchronized (loadLock) {
            ConfigSnapshot before = current;
            load();
            if (current != before && listener != null && !closed) {
                deliver(current);
            }
            return current;
        }
    }

    @Override
    public void close() {
        closed = true;
        if (debouncer != null) {
            debouncer.close();
        }
        if (watchService != null) {
            try {
                watchService.close();
            } catch (IOException e) {
                log.debug("closing the watch service of {}", directory, e);
            }
        }
        if (executor != null) {
            executor.shutdown();
        }
    }

    private void deliver(ConfigSnapshot snapshot) {
        try {
            listener.onSnapshot(snapshot);
        } catch (RuntimeException e) {
            log.error("configuration listener failed on snapshot version {}", snapshot.version(), e);
        }
    }

    private void reloadQuietly() {
        if (closed) {
            return;
        }
        try {
            reload();
        } catch (RuntimeException e) {
            log.error("reloading configuration from {} failed", directory, e);
        }
    }

    /** Reads every file, merges with the last good objects, and swaps in a new snapshot if anything changed. */
    private void load() {
        List<Path> paths;
        try {
            paths = ConfigFiles.yamlFiles(directory);
        } catch (IOException e) {
            fingerprint = List.of();
            logErrors(List.of(new ConfigError(directory.toString(), null, "", "cannot list the directory ("
                    + e + "); the last configuration read stays in use")));
            return;
        }
        fingerprint = fingerprint(paths);
        Map<ConfigKey, ConfigObject> previous = current.objects();
        Map<ConfigKey, ConfigObject> next = new HashMap<>();
        Map<ConfigKey, String> claimedBy = new HashMap<>();
        Map<Path, FileState> nextFiles = new HashMap<>();
        List<ConfigError> found = new ArrayList<>();
        for (Path path : paths) {
            String name = path.toString();
            FileState before = files.get(path);
            byte[] content;
            try {
                content = Files.readAllBytes(path);
            } catch (IOException e) {
                found.add(new ConfigError(name, null, "", "cannot read the file: " + e));
                keepContribution(path, before, previous, next, claimedBy, nextFiles);
                continue;
            }
            ParsedFile parsed = before != null && Arrays.equals(before.content(), content)
                    ? before.parsed() : parser.parse(name, content);
            if (!parsed.readable()) {
                found.add(parsed.yamlError());
                keepContribution(path, before, previous, next, claimedBy, nextFiles);
                continue;
            }
            Set<ConfigKey> contributed = new LinkedHashSet<>();
            for (ParsedDocument document : parsed.documents()) {
                ConfigKey key = document.key();
                if (key != null) {
                    String first = claimedBy.putIfAbsent(key, name);
                    if (first != null) {
                        found.add(ConfigLoader.duplicate(name, key, first));
                        continue;
                    }
                }
                if (document.valid()) {
                    ConfigObject candidate = document.object();
                    ConfigObject old = previous.get(key);
                    next.put(key, old != null && old.sameContentAs(candidate) ? old
                            : candidate.withGeneration(++generations));
                    contributed.add(key);
                } else {
                    found.addAll(document.errors());
                    if (key != null && previous.containsKey(key)) {
                        next.put(key, previous.get(key));
                        contributed.add(key);
                    }
                }
            }
            nextFiles.put(path, new FileState(content, parsed, Set.copyOf(contributed)));
        }
        files = Map.copyOf(nextFiles);
        logErrors(found);
        if (!sameObjects(previous, next)) {
            current = new ConfigSnapshot(current.version() + 1, next.values());
            log.info("configuration from {}: {} objects, version {}", directory, current.size(), current.version());
        }
    }

    /** A file that cannot be read now keeps supplying the objects it supplied at the last load. */
    private static void keepContribution(Path path, FileState before, Map<ConfigKey, ConfigObject> previous,
            Map<ConfigKey, ConfigObject> next, Map<ConfigKey, String> claimedBy, Map<Path, FileState> nextFiles) {
        if (before == null) {
            return;
        }
        Set<ConfigKey> kept = new HashSet<>();
        for (ConfigKey key : before.contributed()) {
            ConfigObject object = previous.get(key);
            if (object != null && claimedBy.putIfAbsent(key, path.toString()) == null) {
                next.put(key, object);
                kept.add(key);
            }
        }
        nextFiles.put(path, new FileState(before.content(), before.parsed(), Set.copyOf(kept)));
    }

    private static boolean sameObjects(Map<ConfigKey, ConfigObject> a, Map<ConfigKey, ConfigObject> b) {
        if (a.size() != b.size()) {
            return false;
        }
        for (Map.Entry<ConfigKey, ConfigObject> entry : a.entrySet()) {
            if (b.get(entry.getKey()) != entry.getValue()) {
                return false;
            }
        }
        return true;
    }

    private void logErrors(List<ConfigError> found) {
        errors = List.copyOf(found);
        Set<String> distinct = new HashSet<>();
        for (ConfigError error : found) {
            String text = error.toString();
            if (distinct.add(text) && !loggedErrors.contains(text)) {
                log.warn("configuration error: {}", text);
            }
        }
        if (found.isEmpty() && !loggedErrors.isEmpty()) {
            log.info("configuration in {} has no errors any more", directory);
        }
        loggedErrors = Set.copyOf(distinct);
    }

    private static List<Fingerprint> fingerprint(List<Path> paths) {
        List<Fingerprint> prints = new ArrayList<>(paths.size());
        for (Path path : paths) {
            try {
                BasicFileAttributes attributes = Files.readAttributes(path, BasicFileAttributes.class);
                prints.add(new Fingerprint(path, attributes.size(), attributes.lastModifiedTime().toMillis()));
            } catch (IOException e) {
                prints.add(new Fingerprint(path, -1, -1));
            }
        }
        return prints;
    }

    /** The periodic fallback: signals the debouncer when the files' names, sizes or times changed. */
    private void rescanIfChanged() {
        if (closed) {
            return;
        }
        try {
            List<Fingerprint> now = fingerprint(Files.isDirectory(directory) ? ConfigFiles.yamlFiles(directory)
                    : List.of());
            boolean changed;
            synchronized (loadLock) {
                changed = !now.equals(fingerprint);
            }
            if (changed) {
                debouncer.signal();
            }
        } catch (IOException | RuntimeException e) {
            log.debug("rescanning {}", directory, e);
        }
    }

    private void registerTree(Path root) {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path dir : paths.filter(Files::isDirectory).toList()) {
                dir.register(watchService, StandardWatchEventKinds.ENTRY_CREATE,
                        StandardWatchEventKinds.ENTRY_DELETE, StandardWatchEventKinds.ENTRY_MODIFY);
            }
        } catch (IOException | RuntimeException e) {
            log.debug("watching {} (the periodic rescan still notices its changes)", root, e);
        }
    }

    private void watchLoop() {
        try {
            while (!closed) {
                WatchKey key = watchService.take();
                Path dir = (Path) key.watchable();
                for (WatchEvent<?> event : key.pollEvents()) {
                    if (event.kind() == StandardWatchEventKinds.ENTRY_CREATE && event.context() instanceof Path name
                            && Files.isDirectory(dir.resolve(name))) {
                        registerTree(dir.resolve(name));
                    }
                }
                key.reset();
                debouncer.signal();
            }
        } catch (ClosedWatchServiceException | InterruptedException e) {
            log.debug("stopped watching {}", directory);
        }
    }
}
