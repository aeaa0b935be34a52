package dev.skiff.demo;

import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Sends requests at a steady rate through a sidecar and counts which version of the backend answered. */
final class TrafficDriver implements AutoCloseable {
    private static final Pattern LAST_VERSION = Pattern.compile(".*\"version\":\"([^\"]+)\"", Pattern.DOTALL);

    private final HttpClient client;
    private final URI target;
    private final ExecutorService senders = Executors.newVirtualThreadPerTaskExecutor();
    private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor();
    private final Map<String, LongAdder> total = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> window = new ConcurrentHashMap<>();
    private final LongAdder errors = new LongAdder();

    TrafficDriver(InetSocketAddress sidecar, URI target) {
        this.target = target;
        this.client = HttpClient.newBuilder()
                .proxy(ProxySelector.of(sidecar))
                .connectTimeout(Duration.ofSeconds(2))
                .executor(senders)
                .build();
    }

    void start(int requestsPerSecond) {
        long periodMicros = 1_000_000L / Math.max(1, requestsPerSecond);
        ticker.scheduleAtFixedRate(() -> senders.execute(this::sendOne), 0, periodMicros, TimeUnit.MICROSECONDS);
    }

    private void sendOne() {
        try {
            HttpResponse<String> reply = client.send(
                    HttpRequest.newBuilder(target).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString());
            Matcher m = LAST_VERSION.matcher(reply.body());
            if (reply.statusCode() == 200 && m.find()) {
                String version = m.group(1);
                total.computeIfAbsent(version, v -> new LongAdder()).increment();
                window.computeIfAbsent(version, v -> new LongAdder()).increment();
            } else {
                errors.increment();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.io.IOException e) {
            errors.increment();
        }
    }

    /** Counts per version since the previous call. */
    Map<String, Long> drainWindow() {
        Map<String, Long> out = new TreeMap<>();
        window.forEach((version, adder) -> out.put(version, adder.sumThenReset()));
        return out;
    }

    Map<String, Long> totals() {
        Map<String, Long> out = new TreeMap<>();
        total.forEach((version, adder) -> out.put(version, adder.sum()));
        return out;
    }

    long errors() {
        return errors.sum();
    }

    @Override
    public void close() {
        ticker.shutdownNow();
        senders.shutdownNow();
        client.close();
    }
}
