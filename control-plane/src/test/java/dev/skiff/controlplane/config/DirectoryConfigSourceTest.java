package dev.skiff.controlplane.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.skiff.api.networking.v1alpha3.VirtualService;
import dev.skiff.api.networking.v1alpha3.WorkloadEntry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DirectoryConfigSourceTest {
    private static final ConfigKey REVIEWS = new ConfigKey(ConfigKind.VIRTUAL_SERVICE, "default", "reviews");
    private static final ConfigKey VM1 = new ConfigKey(ConfigKind.WORKLOAD_ENTRY, "default", "vm1");
    private static final ConfigKey VM2 = new ConfigKey(ConfigKind.WORKLOAD_ENTRY, "default", "vm2");

    @TempDir
    Path dir;

    private final List<ConfigSnapshot> published = new CopyOnWriteArrayList<>();
    private DirectoryConfigSource source;

    @AfterEach
    void close() {
        if (source != null) {
            source.close();
        }
    }

    private static String reviews(int v1Weight, int v2Weight) {
        return """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews}
                spec:
                  hosts: [reviews]
                  http:
                  - route:
                    - destination: {host: reviews, subset: v1}
                      weight: %d
                    - destination: {host: reviews, subset: v2}
                      weight: %d
                """.formatted(v1Weight, v2Weight);
    }

    private static String workloadEntry(String name, String address) {
        return """
                apiVersion: networking.istio.io/v1
                kind: WorkloadEntry
                metadata: {name: %s}
                spec: {address: "%s"}
                """.formatted(name, address);
    }

    private void write(String name, String... documents) throws IOException {
        Path file = dir.resolve(name);
        Files.createDirectories(file.getParent());
        Files.writeString(file, String.join("---\n", documents));
    }

    /** A source that is loaded by hand: no watcher, no timers. */
    private DirectoryConfigSource loaded() {
        source = new DirectoryConfigSource(dir);
        source.reload();
        return source;
    }

    private List<String> errors() {
        return source.currentErrors().stream().map(ConfigError::toString).toList();
    }

    @Test
    void readsYamlFilesRecursivelyInSortedOrderAndSkipsHiddenOnes() throws IOException {
        write("b.yml", workloadEntry("vm2", "127.0.0.2"));
        write("a/reviews.yaml", reviews(80, 20));
        write("a/.reviews.yaml.swp.yaml", workloadEntry("hidden", "127.0.0.9"));
        write(".git/config.yaml", workloadEntry("hidden2", "127.0.0.9"));
        write("notes.txt", workloadEntry("text", "127.0.0.9"));

        ConfigSnapshot snapshot = loaded().current();

        assertThat(snapshot.objects().keySet()).containsExactly(REVIEWS, VM2);
        assertThat(snapshot.get(REVIEWS).orElseThrow().source()).isEqualTo(dir.resolve("a/reviews.yaml").toString());
        assertThat(snapshot.ofKind(ConfigKind.WORKLOAD_ENTRY)).extracting(ConfigObject::key).containsExactly(VM2);
        assertThat(snapshot.version()).isEqualTo(1);
        assertThat(source.currentErrors()).isEmpty();
    }

    @Test
    void aRejectedVersionNeverReplacesTheLastGoodOneAndTheRestOfTheFileStillApplies() throws IOException {
        write("mesh.yaml", reviews(80, 20), workloadEntry("vm1", "127.0.0.1"));
        ConfigObject good = loaded().current().get(REVIEWS).orElseThrow();

        write("mesh.yaml", reviews(70, 20), workloadEntry("vm1", "127.0.0.5"), workloadEntry("vm2", "127.0.0.6"));
        ConfigSnapshot afterBad = source.reload();

        assertThat(afterBad.get(REVIEWS)).containsSame(good);
        assertThat(afterBad.get(VM1).orElseThrow().spec(WorkloadEntry.class).getAddress()).isEqualTo("127.0.0.5");
        assertThat(afterBad.get(VM2)).isPresent();
        assertThat(errors()).containsExactly(dir.resolve("mesh.yaml") + ": VirtualService default/reviews: "
                + "spec.http[0].route: weights add up to 90 (expected: 100)");

        write("mesh.yaml", reviews(50, 50), workloadEntry("vm1", "127.0.0.5"), workloadEntry("vm2", "127.0.0.6"));
        ConfigSnapshot fixed = source.reload();

        assertThat(fixed.get(REVIEWS).orElseThrow().spec(VirtualService.class).getHttp(0).getRoute(0).getWeight())
                .isEqualTo(50);
        assertThat(fixed.get(REVIEWS).orElseThrow().generation()).isGreaterThan(good.generation());
        assertThat(source.currentErrors()).isEmpty();
        assertThat(fixed.changedSince(afterBad)).containsExactly(REVIEWS);
    }

    @Test
    void eachDistinctErrorIsLoggedOnce() throws IOException {
        write("mesh.yaml", reviews(10, 10));
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        PrintStream stderr = System.err;
        System.setErr(new PrintStream(log, true, StandardCharsets.UTF_8));
        try {
            loaded();
            source.reload();
            write("mesh.yaml", reviews(10, 10) + "# edited, still wrong\n");
            source.reload();
        } finally {
            System.setErr(stderr);
        }

        assertThat(log.toString(StandardCharsets.UTF_8).lines().filter(line -> line.contains("weights add up to 20")))
                .hasSize(1);
        assertThat(source.currentErrors()).hasSize(1);
    }

    @Test
    void anObjectThatWasNeverValidIsSimplyAbsent() throws IOException {
        write("mesh.yaml", reviews(10, 10));

        assertThat(loaded().current().size()).isZero();
        assertThat(source.currentErrors()).hasSize(1);
    }

    @Test
    void deletingAFileRemovesItsObjects() throws IOException {
        write("reviews.yaml", reviews(80, 20));
        write("vms.yaml", workloadEntry("vm1", "127.0.0.1"), workloadEntry("vm2", "127.0.0.2"));
        assertThat(loaded().current().size()).isEqualTo(3);

        Files.delete(dir.resolve("vms.yaml"));
        ConfigSnapshot snapshot = source.reload();

        assertThat(snapshot.objects().keySet()).containsExactly(REVIEWS);
        assertThat(snapshot.version()).isEqualTo(2);
    }

    @Test
    void aFileThatIsNotYamlKeepsEverythingItContributed() throws IOException {
        write("vms.yaml", workloadEntry("vm1", "127.0.0.1"), workloadEntry("vm2", "127.0.0.2"));
        ConfigSnapshot before = loaded().current();

        write("vms.yaml", "apiVersion: [unclosed\n");
        ConfigSnapshot during = source.reload();

        assertThat(during).isSameAs(before);
        assertThat(errors()).singleElement().asString()
                .startsWith(dir.resolve("vms.yaml") + ": not valid YAML at line ");

        Files.delete(dir.resolve("vms.yaml"));
        assertThat(source.reload().size()).isZero();
    }

    @Test
    void aDirectoryThatDisappearsKeepsTheLastConfiguration() throws IOException {
        Path config = dir.resolve("config");
        Files.createDirectories(config);
        Files.writeString(config.resolve("vms.yaml"), workloadEntry("vm1", "127.0.0.1"));
        source = new DirectoryConfigSource(config);
        ConfigSnapshot before = source.reload();

        Files.delete(config.resolve("vms.yaml"));
        Files.delete(config);
        ConfigSnapshot during = source.reload();

        assertThat(during).isSameAs(before);
        assertThat(errors()).singleElement().asString().startsWith(config + ": cannot list the directory (")
                .endsWith("); the last configuration read stays in use");

        Files.createDirectories(config);
        assertThat(source.reload().size()).isZero();
        assertThat(source.currentErrors()).isEmpty();
    }

    @Test
    void theFirstDeclarationReadWinsAndTheDuplicateIsReported() throws IOException {
        write("a.yaml", workloadEntry("vm1", "127.0.0.1"));
        write("b.yaml", workloadEntry("vm1", "127.0.0.2"));

        ConfigSnapshot snapshot = loaded().current();

        assertThat(snapshot.get(VM1).orElseThrow().spec(WorkloadEntry.class).getAddress()).isEqualTo("127.0.0.1");
        assertThat(errors()).containsExactly(dir.resolve("b.yaml") + ": WorkloadEntry default/vm1: declared twice: "
                + "also in " + dir.resolve("a.yaml") + ", which is read first and used (expected: one declaration "
                + "per kind, namespace and name)");
    }

    @Test
    void nothingIsPublishedWhenNothingChanged() throws IOException {
        write("vms.yaml", workloadEntry("vm1", "127.0.0.1"));
        source = new DirectoryConfigSource(dir, new DirectoryConfigSource.Settings(Duration.ofMillis(100),
                Duration.ofSeconds(1), Duration.ofHours(1)));
        source.start(published::add);
        assertThat(published).hasSize(1);
        ConfigObject vm1 = source.current().get(VM1).orElseThrow();

        write("vms.yaml", workloadEntry("vm1", "127.0.0.1") + "# a comment changes the bytes, not the object\n");
        source.reload();

        assertThat(published).hasSize(1);
        assertThat(source.current().get(VM1)).containsSame(vm1);
        assertThat(source.current().version()).isEqualTo(1);
    }

    @Test
    void startPublishesTheFirstSnapshotEvenWhenEmpty() throws IOException {
        source = new DirectoryConfigSource(dir);
        source.start(published::add);

        assertThat(published).singleElement().satisfies(snapshot -> assertThat(snapshot.size()).isZero());
        assertThatThrownBy(() -> source.start(published::add)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void startFailsOnAMissingDirectory() {
        source = new DirectoryConfigSource(dir.resolve("missing"));

        assertThatThrownBy(() -> source.start(published::add)).isInstanceOf(IOException.class)
                .hasMessageContaining("is not a directory");
    }

    @Test
    void theWatcherPicksUpNewChangedAndRenamedFiles() throws IOException {
        write("vms.yaml", workloadEntry("vm1", "127.0.0.1"));
        source = new DirectoryConfigSource(dir);
        source.start(published::add);

        write("sub/reviews.yaml", reviews(80, 20));
        await().atMost(Duration.ofSeconds(10)).until(() -> source.current().get(REVIEWS).isPresent());

        Path staged = dir.resolve(".vms.yaml.tmp");
        Files.writeString(staged, workloadEntry("vm1", "127.0.0.7"));
        Files.move(staged, dir.resolve("vms.yaml"), StandardCopyOption.REPLACE_EXISTING,
                StandardCopyOption.ATOMIC_MOVE);
        await().atMost(Duration.ofSeconds(10)).until(() -> source.current().get(VM1)
                .map(o -> o.spec(WorkloadEntry.class).getAddress().equals("127.0.0.7")).orElse(false));

        write("vms.yaml", workloadEntry("vm1", "not an address!"));
        await().atMost(Duration.ofSeconds(10)).until(() -> !source.currentErrors().isEmpty());
        assertThat(source.current().get(VM1).orElseThrow().spec(WorkloadEntry.class).getAddress())
                .isEqualTo("127.0.0.7");

        assertThat(published).extracting(ConfigSnapshot::version).isSorted().doesNotHaveDuplicates();
        assertThat(published.getLast()).isSameAs(source.current());
    }
}
