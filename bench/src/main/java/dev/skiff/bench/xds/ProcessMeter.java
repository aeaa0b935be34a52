package dev.skiff.bench.xds;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads what the control plane process costs: CPU ticks ({@code utime + stime} of {@code /proc/<pid>/stat}),
 * resident memory ({@code VmRSS} of {@code /proc/<pid>/status}) and the Java heap in use after a full collection
 * ({@code jcmd <pid> GC.run}, then {@code GC.heap_info}).
 */
final class ProcessMeter {
    private static final Pattern HEAP_USED = Pattern.compile("(?m)^\\s*\\S.*?heap\\s+total.*?used (\\d+)K");
    private static final long JCMD_TIMEOUT_SECONDS = 60;

    private final long pid;
    private final long ticksPerSecond;
    private final Path jcmd;

    ProcessMeter(long pid, long ticksPerSecond) {
        if (pid <= 0) {
            throw new IllegalArgumentException("--control-plane-pid: " + pid + " (expected a positive process id)");
        }
        if (ticksPerSecond < 1) {
            throw new IllegalArgumentException("--clock-ticks: " + ticksPerSecond + " (expected the kernel's USER_HZ, usually 100)");
        }
        this.pid = pid;
        this.ticksPerSecond = ticksPerSecond;
        this.jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    }

    long pid() {
        return pid;
    }

    double cpuSeconds() {
        return (double) parseCpuTicks(read("stat")) / ticksPerSecond;
    }

    long rssBytes() {
        return parseRssBytes(read("status"));
    }

    /** The heap in use after a full collection, in bytes. */
    long heapUsedAfterGc() throws IOException, InterruptedException {
        jcmd("GC.run");
        return parseHeapUsed(jcmd("GC.heap_info"));
    }

    private String jcmd(String command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(List.of(jcmd.toString(), Long.toString(pid), command))
                .redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(JCMD_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            process.destroy();
            throw new IllegalStateException("jcmd " + pid + " " + command + " did not finish within "
                    + JCMD_TIMEOUT_SECONDS + " s");
        }
        if (process.exitValue() != 0) {
            throw new IllegalStateException("jcmd " + pid + " " + command + " failed (exit " + process.exitValue()
                    + "): " + output.strip());
        }
        return output;
    }

    private String read(String file) {
        Path path = Path.of("/proc", Long.toString(pid), file);
        try {
            return Files.readString(path);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + path + " (has the control plane, pid " + pid
                    + ", exited?): " + e.getMessage(), e);
        }
    }

    /** {@code utime + stime} (fields 14 and 15), counted after the command name, which may hold spaces. */
    static long parseCpuTicks(String stat) {
        int close = stat.lastIndexOf(')');
        if (close < 0) {
            throw new IllegalArgumentException("not a /proc/<pid>/stat line (expected 'pid (comm) state ...'): " + stat);
        }
        String[] fields = stat.substring(close + 1).strip().split(" +");
        if (fields.length < 13) {
            throw new IllegalArgumentException("/proc/<pid>/stat line has " + (fields.length + 2)
                    + " fields (expected at least 15): " + stat);
        }
        return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    }

    static long parseRssBytes(String status) {
        for (String line : status.split("\n")) {
            if (line.startsWith("VmRSS:")) {
                String[] parts = line.substring("VmRSS:".length()).strip().split(" +");
                if (parts.length != 2 || !parts[1].equals("kB")) {
                    throw new IllegalArgumentException("unexpected VmRSS line (expected 'VmRSS: <n> kB'): " + line);
                }
                return Long.parseLong(parts[0]) * 1024;
            }
        }
        throw new IllegalArgumentException("no VmRSS line in /proc/<pid>/status (expected 'VmRSS: <n> kB')");
    }

    /** The {@code used} figure of the heap summary line of {@code jcmd GC.heap_info}, in bytes. */
    static long parseHeapUsed(String heapInfo) {
        Matcher m = HEAP_USED.matcher(heapInfo);
        if (!m.find()) {
            throw new IllegalArgumentException("no heap summary in jcmd GC.heap_info output (expected a line like"
                    + " ' garbage-first heap   total reserved 2097152K, committed 262144K, used 123456K'): " + heapInfo.strip());
        }
        return Long.parseLong(m.group(1)) * 1024;
    }
}
