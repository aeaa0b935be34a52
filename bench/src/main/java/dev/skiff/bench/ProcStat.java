package dev.skiff.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * CPU time and resident memory of a process and its descendants (an nginx master and its workers), read from Linux's
 * {@code /proc}: CPU is {@code utime + stime} of {@code /proc/<pid>/stat} in clock ticks, memory is {@code VmRSS} of
 * {@code /proc/<pid>/status}.
 */
final class ProcStat {
    private static final Path PROC = Path.of("/proc");

    /** One reading of a process tree: total CPU ticks and resident bytes over the processes alive at that moment. */
    record Reading(long cpuTicks, long rssBytes, int processes) {
    }

    /** Reads the process {@code pid} and its descendants; empty when {@code pid} itself no longer exists. */
    Optional<Reading> read(long pid) {
        List<Long> pids = new ArrayList<>();
        pids.add(pid);
        ProcessHandle.of(pid).ifPresent(h -> h.descendants().forEach(d -> pids.add(d.pid())));
        long ticks = 0;
        long rss = 0;
        int alive = 0;
        for (long p : pids) {
            OptionalLong t = cpuTicks(p);
            if (t.isEmpty()) {
                if (p == pid) {
                    return Optional.empty();
                }
                continue;
            }
            ticks += t.getAsLong();
            rss += rssBytes(p).orElse(0);
            alive++;
        }
        return Optional.of(new Reading(ticks, rss, alive));
    }

    OptionalLong cpuTicks(long pid) {
        String stat = readOrNull(PROC.resolve(Long.toString(pid)).resolve("stat"));
        return stat == null ? OptionalLong.empty() : OptionalLong.of(parseCpuTicks(stat));
    }

    OptionalLong rssBytes(long pid) {
        String status = readOrNull(PROC.resolve(Long.toString(pid)).resolve("status"));
        return status == null ? OptionalLong.empty() : parseRssBytes(status);
    }

    /**
     * {@code utime + stime} (fields 14 and 15) of a {@code /proc/<pid>/stat} line. The command name (field 2) is in
     * parentheses and may itself hold spaces and parentheses, so fields are counted from the last {@code ')'}.
     */
    static long parseCpuTicks(String stat) {
        int close = stat.lastIndexOf(')');
        if (close < 0) {
            throw new IllegalArgumentException("not a /proc/<pid>/stat line (expected 'pid (comm) state ...'): " + stat);
        }
        String[] fields = stat.substring(close + 1).strip().split(" +");
        // fields[0] is field 3 (state), so field n is fields[n - 3]
        if (fields.length < 13) {
            throw new IllegalArgumentException("/proc/<pid>/stat line has " + (fields.length + 2)
                    + " fields (expected at least 15): " + stat);
        }
        return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    }

    /** {@code VmRSS} of a {@code /proc/<pid>/status} text, in bytes; empty for kernel threads and zombies, which have none. */
    static OptionalLong parseRssBytes(String status) {
        for (String line : status.split("\n")) {
            if (line.startsWith("VmRSS:")) {
                String[] parts = line.substring("VmRSS:".length()).strip().split(" +");
                if (parts.length != 2 || !parts[1].equals("kB")) {
                    throw new IllegalArgumentException("unexpected VmRSS line (expected 'VmRSS: <n> kB'): " + line);
                }
                return OptionalLong.of(Long.parseLong(parts[0]) * 1024);
            }
        }
        return OptionalLong.empty();
    }

    private static String readOrNull(Path file) {
        try {
            return Files.readString(file);
        } catch (NoSuchFileException gone) {
            return null;
        } catch (IOException e) {
            if (!Files.exists(file)) {
                return null;
            }
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }
}
