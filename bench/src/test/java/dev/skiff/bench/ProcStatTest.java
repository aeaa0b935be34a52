package dev.skiff.bench;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ProcStatTest {

    @Test
    void cpuTicksAreUtimePlusStimeCountedFromTheLastParenthesis() {
        String stat = "4242 (nginx: worker) (x)) S 4241 4241 4241 0 -1 4194624 1234 0 0 0 371 29 0 0 20 0 1 0 "
                + "123456 12345678 2048 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0";
        assertThat(ProcStat.parseCpuTicks(stat)).isEqualTo(400);
    }

    @Test
    void rssComesFromVmRssInKilobytes() {
        String status = "Name:\tnginx\nVmPeak:\t  20000 kB\nVmRSS:\t    5120 kB\nThreads:\t1\n";
        assertThat(ProcStat.parseRssBytes(status)).hasValue(5120L * 1024);
        assertThat(ProcStat.parseRssBytes("Name:\tkthreadd\nThreads:\t1\n")).isEmpty();
    }

    @Test
    void malformedLinesAreReported() {
        assertThatThrownBy(() -> ProcStat.parseCpuTicks("garbage"))
                .hasMessageStartingWith("not a /proc/<pid>/stat line");
        assertThatThrownBy(() -> ProcStat.parseCpuTicks("1 (a) S 0 0"))
                .hasMessageContaining("expected at least 15");
    }

    @Test
    void readsALiveProcessAndItsChildren() throws Exception {
        Process child = new ProcessBuilder("sleep", "30").start();
        try {
            long self = ProcessHandle.current().pid();
            ProcStat.Reading r = new ProcStat().read(self).orElseThrow();
            assertThat(r.rssBytes()).isPositive();
            assertThat(r.processes()).isGreaterThanOrEqualTo(2);

            ProcessSampler sampler = new ProcessSampler(List.of(new ProcessSampler.Watched("self", self)), new ProcStat(), 100);
            sampler.requireAlive();
            sampler.startWindow();
            sampler.sampleMemory();
            sampler.endWindow();
            ProcessSampler.ProcessCost cost = sampler.costs(1000).getFirst();
            assertThat(cost.name()).isEqualTo("self");
            assertThat(cost.cpuSeconds()).isGreaterThanOrEqualTo(0);
            assertThat(cost.maxRssBytes()).isPositive();
        } finally {
            child.destroy();
        }
    }

    @Test
    void aMissingProcessIsReportedByNameAndPid() throws Exception {
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        ProcessSampler sampler = new ProcessSampler(List.of(new ProcessSampler.Watched("server", gone.pid())), new ProcStat(), 100);
        assertThatThrownBy(sampler::requireAlive).hasMessage("--watch server=" + gone.pid() + ": no such process");
        assertThatThrownBy(() -> ProcessSampler.Watched.parse("client")).hasMessageContaining("expected NAME=PID");
    }
}
