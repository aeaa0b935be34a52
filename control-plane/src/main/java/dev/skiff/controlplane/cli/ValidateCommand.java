package dev.skiff.controlplane.cli;

import dev.skiff.controlplane.config.ConfigError;
import dev.skiff.controlplane.config.ConfigLoader;
import dev.skiff.controlplane.meshconfig.MeshConfig;
import dev.skiff.controlplane.meshconfig.MeshConfigException;
import dev.skiff.controlplane.meshconfig.MeshConfigFile;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code skiff validate -f FILE|DIR ...}: reads the configuration the way the control plane does and reports every
 * problem, one per line on stderr as {@code file: Kind namespace/name: field.path: what is wrong}. Exits 1 when
 * there is any problem, 0 otherwise.
 */
@Command(name = "validate", mixinStandardHelpOptions = true,
        description = "Checks Istio configuration files (VirtualService, DestinationRule, ServiceEntry, "
                + "WorkloadEntry, Sidecar) the way the control plane reads them.")
public final class ValidateCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Option(names = {"-f", "--file"}, required = true, paramLabel = "FILE|DIR",
            description = "A YAML file, or a directory whose *.yaml and *.yml files are read recursively. "
                    + "Repeatable.")
    private List<Path> paths;

    @Option(names = "--mesh-config", paramLabel = "FILE",
            description = "Istio's MeshConfig YAML, as given to the control plane: checked itself, and Telemetry"
                    + " resources may name its tracing providers.")
    private Path meshConfigFile;

    public ValidateCommand() {
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        boolean missing = false;
        for (Path path : paths) {
            if (!Files.exists(path)) {
                err.println(path + ": no such file or directory");
                missing = true;
            }
        }
        MeshConfig meshConfig = MeshConfig.DEFAULT;
        if (meshConfigFile != null) {
            try {
                meshConfig = MeshConfigFile.load(meshConfigFile);
            } catch (MeshConfigException e) {
                e.problems().forEach(err::println);
                err.flush();
                return 1;
            }
        }
        ConfigLoader.Result result = new ConfigLoader(meshConfig)
                .load(paths.stream().filter(Files::exists).toList());
        for (ConfigError error : result.errors()) {
            err.println(error);
        }
        err.flush();
        if (missing || !result.errors().isEmpty()) {
            return 1;
        }
        int count = result.objects().size();
        out.println(count + (count == 1 ? " object valid" : " objects valid"));
        out.flush();
        return 0;
    }
}
