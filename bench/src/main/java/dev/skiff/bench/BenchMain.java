package dev.skiff.bench;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code java -jar bench.jar load|idle|grpc-load|grpc-echo|report ...}: the entry point bench/run uses. */
@Command(name = "skiff-bench", mixinStandardHelpOptions = true,
        description = "Skiff's data-plane benchmark tools: an open-loop HTTP/1.1 load generator, a closed-loop gRPC"
                + " load generator and its echo service, idle memory readings, and the report over the results.",
        subcommands = {LoadCommand.class, IdleCommand.class, GrpcLoadCommand.class, GrpcEchoCommand.class,
                ReportCommand.class, dev.skiff.bench.xds.XdsMeshCommand.class, dev.skiff.bench.xds.XdsSimCommand.class,
                dev.skiff.bench.xds.XdsReportCommand.class})
public final class BenchMain implements Runnable {

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs the command line and returns its exit code: 0 done, 1 the run failed, 2 the options were wrong. */
    public static int execute(String... args) {
        CommandLine cli = new CommandLine(new BenchMain());
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (e instanceof IllegalArgumentException) {
                commandLine.getErr().println("skiff-bench: " + e.getMessage());
                return 2;
            }
            if (e instanceof IllegalStateException || e instanceof java.io.IOException) {
                commandLine.getErr().println("skiff-bench: " + e.getMessage());
                return 1;
            }
            throw e;
        });
        return cli.execute(args);
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }
}
