package dev.skiff.bench;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code report DIR}: the tables over a directory of results. */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = "Print Markdown tables (median and spread over repeats, added latency over direct) for a results directory.")
final class ReportCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "DIR", description = "The directory holding the runs' JSON files.")
    Path dir;

    @Option(names = "--out", paramLabel = "FILE", description = "Also write the tables to this file.")
    Path out;

    @Override
    public Integer call() throws IOException {
        String tables = Report.read(dir).render();
        System.out.print(tables);
        if (out != null) {
            Files.writeString(out, tables);
        }
        return 0;
    }
}
