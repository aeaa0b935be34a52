package dev.skiff.bench;

import picocli.CommandLine.Option;

/** What a load run measured, as the report groups it: the topology and which repeat of it. */
final class RunLabels {

    @Option(names = "--topology", defaultValue = "direct", description = "Name of what is measured, for the report (default: ${DEFAULT-VALUE}).")
    String topology;

    @Option(names = "--repeat", defaultValue = "1", description = "Which repeat this run is, for the report (default: ${DEFAULT-VALUE}).")
    int repeat;
}
