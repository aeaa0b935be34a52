package dev.skiff.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * CPU seconds and peak resident memory of watched processes (the proxies under test) over the measured window: CPU is
 * read at the window's start and end, memory every time {@link #sampleMemory()} is called in between.
 */
final class ProcessSampler {
    /** A process to watch, named for the report ({@code client}, {@code server}). */
    record Watched(String name, long pid) {
        Watched {
            if (name.isBlank()) {
                throw new IllegalArgumentException("--watch: empty name (expected NAME=PID)");
            }
            if (pid <= 0) {
                throw new IllegalArgumentException("--watch " + name + ": pid " + pid + " (expected a positive process id)");
            }
        }

        static Watched parse(String text) {
            int eq = text.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("--watch: '" + text + "' (expected NAME=PID, e.g. client=1234)");
            }
            try {
                return new Watched(text.substring(0, eq), Long.parseLong(text.substring(eq + 1)));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--watch: '" + text + "' has no numeric pid (expected NAME=PID, e.g. client=1234)");
            }
        }
    }

    /** What a watched process cost over the window. */
    record ProcessCost(String name, long pid, double cpuSeconds, double cpuSecondsPer1000Requests, long maxRssBytes,
                       int processes) {
    }

    private static final long MEMORY_SAMPLE_NANOS = TimeUnit.MILLISECONDS.toNanos(250);

    private final List<Watched> watched;
    private final ProcStat procStat;
    private final long ticksPerSecond;
    private final long[] startTicks;
    private final long[] endTicks;
    private final long[] maxRss;
    private final int[] maxProcesses;

    ProcessSampler(List<Watched> watched, ProcStat procStat, long ticksPerSecond) {
        if (ticksPerSecond < 1) {
            throw new IllegalArgumentException("--clock-ticks: " + ticksPerSecond + " (expected the kernel's USER_HZ, usually 100)");
        }
        this.watched = List.copyOf(watched);
        this.procStat = procStat;
        this.ticksPerSecond = ticksPerSecond;
        this.startTicks = new long[watched.size()];
        this.endTicks = new long[watched.size()];
        this.maxRss = new long[watched.size()];
        this.maxProcesses = new int[watched.size()];
    }

    /** Fails with a clear message when a watched process does not exist. */
    void requireAlive() {
        for (Watched w : watched) {
            if (procStat.read(w.pid()).isEmpty()) {
                throw new IllegalArgumentException("--watch " + w.name() + "=" + w.pid() + ": no such process");
            }
        }
    }

    /**
     * On the calling thread: waits for {@code windowStartNanos} ({@link System#nanoTime()}), reads CPU then, memory
     * every 250 ms, and CPU again at {@code windowEndNanos}.
     */
    void measure(long windowStartNanos, long windowEndNanos) {
        parkUntil(windowStartNanos);
        startWindow();
        long now;
        while ((now = System.nanoTime()) < windowEndNanos) {
            parkUntil(Math.min(windowEndNanos, now + MEMORY_SAMPLE_NANOS));
            sampleMemory();
        }
        endWindow();
    }

    private static void parkUntil(long deadlineNanos) {
        long wait;
        while ((wait = deadlineNanos - System.nanoTime()) > 0) {
            LockSupport.parkNanos(wait);
        }
    }

    void startWindow() {
        for (int i = 0; i < watched.size(); i++) {
            ProcStat.Reading r = reading(i);
            startTicks[i] = r.cpuTicks();
            maxRss[i] = r.rssBytes();
            maxProcesses[i] = r.processes();
        }
    }

    void sampleMemory() {
        for (int i = 0; i < watched.size(); i++) {
            ProcStat.Reading r = reading(i);
            maxRss[i] = Math.max(maxRss[i], r.rssBytes());
            maxProcesses[i] = Math.max(maxProcesses[i], r.processes());
        }
    }

    /** Reads CPU at the end of the window. */
    void endWindow() {
        for (int i = 0; i < watched.size(); i++) {
            ProcStat.Reading r = reading(i);
            endTicks[i] = r.cpuTicks();
            maxRss[i] = Math.max(maxRss[i], r.rssBytes());
            maxProcesses[i] = Math.max(maxProcesses[i], r.processes());
        }
    }

    /** Each process's cost over the window, CPU also per 1000 of the {@code requests} served in it. */
    List<ProcessCost> costs(long requests) {
        List<ProcessCost> costs = new ArrayList<>();
        for (int i = 0; i < watched.size(); i++) {
            double cpu = (double) (endTicks[i] - startTicks[i]) / ticksPerSecond;
            double per1000 = requests == 0 ? 0 : cpu * 1000 / requests;
            Watched w = watched.get(i);
            costs.add(new ProcessCost(w.name(), w.pid(), cpu, per1000, maxRss[i], maxProcesses[i]));
        }
        return costs;
    }

    private ProcStat.Reading reading(int i) {
        Watched w = watched.get(i);
        Optional<ProcStat.Reading> r = procStat.read(w.pid());
        if (r.isEmpty()) {
            throw new IllegalStateException("watched process " + w.name() + " (pid " + w.pid() + ") exited during the run");
        }
        return r.get();
    }
}
