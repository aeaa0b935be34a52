package dev.skiff.bench;

import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The options shared by the commands that measure proxies: which processes to watch and where the JSON goes. */
final class MeasureOptions {

    @Option(names = "--watch", paramLabel = "NAME=PID",
            description = "A process (and its children) whose CPU seconds and peak RSS to measure over the window; repeatable.")
    List<String> watch = new ArrayList<>();

    @Option(names = "--clock-ticks", defaultValue = "100",
            description = "Clock ticks per second of /proc CPU times, as `getconf CLK_TCK` prints (default: ${DEFAULT-VALUE}).")
    long clockTicks;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the result as JSON to this file.")
    Path json;

    ProcessSampler sampler() {
        return new ProcessSampler(watch.stream().map(ProcessSampler.Watched::parse).toList(), new ProcStat(), clockTicks);
    }

    /** Writes {@code result} to the {@code --json} file, when one was given. */
    void write(Object result) throws IOException {
        if (json != null) {
            Results.write(json, result);
        }
    }
}
