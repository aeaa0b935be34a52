package dev.skiff.e2e;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;

/**
 * A local-mode mesh made of real processes: the packaged control plane and proxies started with {@code java -jar},
 * plus whatever plain backends a test starts. Everything binds to loopback addresses.
 */
final class LocalMesh implements AutoCloseable {
    private final Path home = Path.of(System.getProperty("skiff.home", "..")).toAbsolutePath().normalize();
    private final Path work;
    private final Path configDir;
    private final Path logDir;
    private final List<Process> processes = new ArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    private int xdsPort;
    private int monitoringPort;
    private int caPort;

    LocalMesh(Path work) throws IOException {
        this.work = work;
        this.configDir = Files.createDirectories(work.resolve("config"));
        this.logDir = Files.createDirectories(work.resolve("logs"));
    }

    Path configDir() {
        return configDir;
    }

    int monitoringPort() {
        return monitoringPort;
    }

    /** Writes a config file atomically (write, then rename), as editors and deploy tools do. */
    void writeConfig(String fileName, String yaml) throws IOException {
        Path tmp = configDir.resolve("." + fileName + ".tmp");
        Files.writeString(tmp, yaml);
        Files.move(tmp, configDir.resolve(fileName), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    void startControlPlane() throws IOException {
        startControlPlane(List.of());
    }

    /** Starts the control plane with more options, such as {@code --max-workload-cert-ttl 1m}. */
    void startControlPlane(List<String> extraArgs) throws IOException {
        int[] ports = freePorts(3);
        xdsPort = ports[0];
        monitoringPort = ports[1];
        caPort = ports[2];
        List<String> args = new ArrayList<>(List.of("control-plane", "--config-dir", configDir.toString(),
                "--xds-address", "127.0.0.1:" + xdsPort, "--monitoring-address", "127.0.0.1:" + monitoringPort,
                "--ca-address", "127.0.0.1:" + caPort, "--state-dir", stateDir().toString()));
        args.addAll(extraArgs);
        start("control-plane", jar("control-plane"), args);
        awaitOk(URI.create("http://127.0.0.1:" + monitoringPort + "/ready"));
    }

    /** The control plane's state directory (CA root, token key, trust bundle). */
    Path stateDir() {
        return work.resolve("state");
    }

    /** The CA's TLS port. */
    int caPort() {
        return caPort;
    }

    /**
     * Mints a bootstrap token for {@code workload} (NAME.NAMESPACE) with {@code skiff token create} and writes it to
     * a file.
     */
    Path createToken(String workload, String serviceAccount) throws IOException, InterruptedException {
        Path tokenFile = work.resolve("token-" + workload);
        Process token = new ProcessBuilder(javaBinary(), "-jar", jar("control-plane").toString(), "token", "create",
                "--workload", workload, "--service-account", serviceAccount, "--state-dir", stateDir().toString())
                .directory(work.toFile())
                .redirectError(logDir.resolve("token-" + workload + ".log").toFile())
                .redirectOutput(tokenFile.toFile())
                .start();
        if (!token.waitFor(60, TimeUnit.SECONDS) || token.exitValue() != 0) {
            throw new IllegalStateException("skiff token create for " + workload + " failed; logs: " + logs());
        }
        return tokenFile;
    }

    /**
     * Starts a sidecar that obtains its workload certificate from the CA with a fresh token for
     * {@code serviceAccount}.
     */
    void startMeshedProxy(String workload, String address, String serviceAccount)
            throws IOException, InterruptedException {
        startMeshedProxy(workload, address, serviceAccount, List.of());
    }

    /** Like {@link #startMeshedProxy(String, String, String)}, with more options. */
    void startMeshedProxy(String workload, String address, String serviceAccount, List<String> extraArgs)
            throws IOException, InterruptedException {
        startMeshedProxy(workload, address, serviceAccount, Map.of(), extraArgs);
    }

    /** Like {@link #startMeshedProxy(String, String, String, List)}, passing the workload's labels. */
    void startMeshedProxy(String workload, String address, String serviceAccount, Map<String, String> labels,
                          List<String> extraArgs) throws IOException, InterruptedException {
        Path token = createToken(workload, serviceAccount);
        List<String> args = new ArrayList<>(List.of("--token-file", token.toString(),
                "--ca-address", "127.0.0.1:" + caPort, "--ca-root", stateDir().resolve("trust-bundle.pem").toString()));
        args.addAll(extraArgs);
        startProxy(workload, address, labels, args);
    }

    /** Starts the sidecar of WorkloadEntry {@code workload} (NAME.NAMESPACE) whose address is {@code address}. */
    void startProxy(String workload, String address) throws IOException {
        startProxy(workload, address, Map.of());
    }

    /** Like {@link #startProxy(String, String)}, passing the workload's labels as {@code --label KEY=VALUE}. */
    void startProxy(String workload, String address, Map<String, String> labels) throws IOException {
        startProxy(workload, address, labels, List.of());
    }

    /** Like {@link #startProxy(String, String, Map)}, with more options. */
    void startProxy(String workload, String address, Map<String, String> labels, List<String> extraArgs)
            throws IOException {
        List<String> args = new ArrayList<>(List.of("--workload", workload,
                "--control-plane", "127.0.0.1:" + xdsPort));
        new TreeMap<>(labels).forEach((k, v) -> args.addAll(List.of("--label", k + "=" + v)));
        args.addAll(extraArgs);
        start("proxy-" + workload, jar("proxy"), args);
        awaitOk(URI.create("http://" + address + ":15021/healthz/ready"));
    }

    /** Starts any process (a plain backend, say) that the mesh stops at the end. */
    Process start(String name, List<String> command) throws IOException {
        Process p = new ProcessBuilder(command)
                .directory(work.toFile())
                .redirectErrorStream(true)
                .redirectOutput(logDir.resolve(name + ".log").toFile())
                .start();
        processes.add(p);
        return p;
    }

    private void start(String name, Path jar, List<String> args) throws IOException {
        List<String> command = new ArrayList<>(List.of(javaBinary(), "-Xmx256m", "-jar", jar.toString()));
        command.addAll(args);
        start(name, command);
    }

    void awaitOk(URI uri) {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).ignoreExceptions()
                .until(() -> {
                    for (Process p : processes) {
                        if (!p.isAlive()) {
                            throw new AssertionError("a process exited early; logs: " + logs());
                        }
                    }
                    return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(1)).build(),
                            HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
                });
    }

    /** The concatenated logs of every process, for failure messages. */
    String logs() {
        StringBuilder out = new StringBuilder();
        try (var files = Files.list(logDir)) {
            for (Path f : files.sorted().toList()) {
                out.append("\n==== ").append(f.getFileName()).append('\n').append(Files.readString(f));
            }
        } catch (IOException e) {
            out.append("(logs unreadable: ").append(e.getMessage()).append(')');
        }
        return out.toString();
    }

    private Path jar(String module) {
        Path jar = home.resolve(module).resolve("target").resolve(module + ".jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: run the tests through Maven from the project root");
        }
        return jar;
    }

    private static String javaBinary() {
        return ProcessHandle.current().info().command().orElse("java");
    }

    static int freePort() throws IOException {
        return freePorts(1)[0];
    }

    /**
     * {@code count} distinct free loopback ports: all are held open until every one is chosen, since a port closed
     * at once can be handed out again by the next bind (which made the control plane's CA and monitoring ports
     * collide).
     */
    static int[] freePorts(int count) throws IOException {
        List<ServerSocket> sockets = new ArrayList<>(count);
        try {
            int[] ports = new int[count];
            for (int i = 0; i < count; i++) {
                ServerSocket socket = new ServerSocket();
                sockets.add(socket);
                socket.setReuseAddress(true);
                socket.bind(new InetSocketAddress("127.0.0.1", 0));
                ports[i] = socket.getLocalPort();
            }
            return ports;
        } finally {
            for (ServerSocket socket : sockets) {
                socket.close();
            }
        }
    }

    @Override
    public void close() {
        for (Process p : processes.reversed()) {
            p.destroy();
        }
        for (Process p : processes) {
            try {
                if (!p.waitFor(10, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        http.close();
    }
}
