package dev.skiff.controlplane.telemetry;

import com.sun.management.UnixOperatingSystemMXBean;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The process metrics every Prometheus client library exports under the same names, and that istiod's dashboards and
 * scrape allow-lists expect: {@code process_cpu_seconds_total}, {@code process_open_fds}, {@code process_max_fds},
 * {@code process_resident_memory_bytes} and {@code process_virtual_memory_bytes}. Each binds only where the platform
 * can supply it (memory sizes come from Linux's {@code /proc/self/status}).
 */
final class StandardProcessMetrics implements MeterBinder {
    private static final Path STATUS = Path.of("/proc/self/status");

    @Override
    public void bindTo(MeterRegistry registry) {
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean process && process.getProcessCpuTime() >= 0) {
            FunctionCounter.builder("process_cpu_seconds", process, bean -> bean.getProcessCpuTime() / 1e9)
                    .description("Total user and system CPU time spent in seconds.")
                    .register(registry);
        }
        if (os instanceof UnixOperatingSystemMXBean unix) {
            Gauge.builder("process_open_fds", unix, UnixOperatingSystemMXBean::getOpenFileDescriptorCount)
                    .description("Number of open file descriptors.")
                    .register(registry);
            Gauge.builder("process_max_fds", unix, UnixOperatingSystemMXBean::getMaxFileDescriptorCount)
                    .description("Maximum number of open file descriptors.")
                    .register(registry);
        }
        if (!Double.isNaN(statusKilobytes("VmRSS:"))) {
            Gauge.builder("process_resident_memory_bytes", () -> statusKilobytes("VmRSS:") * 1024)
                    .description("Resident memory size in bytes.")
                    .register(registry);
            Gauge.builder("process_virtual_memory_bytes", () -> statusKilobytes("VmSize:") * 1024)
                    .description("Virtual memory size in bytes.")
                    .register(registry);
        }
    }

    /** The value of a {@code kB} line of {@code /proc/self/status}, or NaN where there is no such file or line. */
    static double statusKilobytes(String field) {
        List<String> lines;
        try {
            lines = Files.readAllLines(STATUS);
        } catch (IOException e) {
            return Double.NaN;
        }
        for (String line : lines) {
            if (line.startsWith(field)) {
                String value = line.substring(field.length()).trim();
                int space = value.indexOf(' ');
                try {
                    return Long.parseLong(space < 0 ? value : value.substring(0, space));
                } catch (NumberFormatException e) {
                    return Double.NaN;
                }
            }
        }
        return Double.NaN;
    }
}
