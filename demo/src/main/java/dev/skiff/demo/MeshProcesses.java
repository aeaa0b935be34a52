package dev.skiff.demo;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Starts Skiff's own processes (control plane, sidecars) through the launcher, and stops them. */
final class MeshProcesses implements AutoCloseable {
    private final Path skiffHome;
    private final Path logDir;
    private final List<Process> processes = new ArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(500)).build();

    MeshProcesses(Path skiffHome, Path logDir) throws IOException {
        this.skiffHome = skiffHome;
        this.logDir = Files.createDirectories(logDir);
    }

    /** Starts {@code skiff ARGS...}, logging to {@code <logDir>/<name>.log}. */
    void start(String name, List<String> args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(skiffHome.resolve("skiff").toString());
        command.addAll(args);
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(logDir.resolve(name + ".log").toFile())
                .start();
        processes.add(process);
    }

    /** Waits until {@code url} answers 200, failing with the log's path if the deadline passes or a process died. */
    void awaitReady(String what, URI url, Duration timeout) throws InterruptedException {
        Instant deadline = Instant.now().plus(timeout);
        while (Instant.now().isBefore(deadline)) {
            for (Process p : processes) {
                if (!p.isAlive()) {
                    throw new IllegalStateException(what + ": a Skiff process exited with code " + p.exitValue()
                            + " (logs in " + logDir + ")");
                }
            }
            try {
                HttpResponse<Void> r = http.send(HttpRequest.newBuilder(url).timeout(Duration.ofMillis(500)).build(),
                        HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet: try again shortly
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException(what + " not ready at " + url + " within " + timeout.toSeconds()
                + " s (logs in " + logDir + ")");
    }

    Path logDir() {
        return logDir;
    }

    @Override
    public void close() {
        for (Process p : processes.reversed()) {
            p.toHandle().descendants().forEach(ProcessHandle::destroy);
            p.destroy();
        }
        for (Process p : processes) {
            try {
                if (!p.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
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
