package dev.skiff.controlplane.cli;

import dev.skiff.controlplane.ca.BootstrapTokens;
import dev.skiff.controlplane.ca.CaServer;
import dev.skiff.controlplane.config.GoDuration;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code skiff token create --workload NAME.NS [--service-account SA] [--ttl 24h] [--state-dir DIR]}: mints the
 * bootstrap token a workload presents to the control plane's CA in local mode, and prints it on stdout.
 */
@Command(name = "token", mixinStandardHelpOptions = true, subcommands = TokenCommand.Create.class,
        description = "Bootstrap tokens that authenticate workloads to the control plane's CA in local mode.")
public final class TokenCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    public TokenCommand() {
    }

    /** Without a subcommand: usage on stderr, exit code 2. */
    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        err.println("skiff token: missing subcommand (expected: create)");
        spec.commandLine().usage(err);
        err.flush();
        return 2;
    }

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = "Mints a token naming a workload, its namespace and service account; prints it on stdout. "
                    + "The workload sends it as gRPC metadata 'authorization: Bearer <token>'.")
    public static final class Create implements Callable<Integer> {
        @Spec
        private CommandSpec spec;

        @Option(names = "--workload", required = true, paramLabel = "NAME.NS",
                description = "The workload and its namespace, such as reviews-v1.default.")
        private String workload;

        @Option(names = "--service-account", defaultValue = "default", paramLabel = "SA",
                description = "The service account whose SPIFFE identity the workload gets (default: ${DEFAULT-VALUE}).")
        private String serviceAccount;

        @Option(names = "--ttl", defaultValue = "24h", paramLabel = "DURATION",
                description = "How long the token is accepted, such as 24h or 90m (default: ${DEFAULT-VALUE}).")
        private String ttl;

        @Option(names = "--state-dir", paramLabel = "DIR",
                description = "The control plane's state directory, which holds the token key (default: "
                        + ".skiff/state under the working directory).")
        private Path stateDir = CaServer.DEFAULT_STATE_DIR;

        public Create() {
        }

        @Override
        public Integer call() throws IOException {
            int dot = workload.lastIndexOf('.');
            if (dot <= 0 || dot == workload.length() - 1) {
                throw new ParameterException(spec.commandLine(), "--workload " + workload
                        + ": expected NAME.NAMESPACE, such as reviews-v1.default");
            }
            Duration validity;
            try {
                validity = GoDuration.parse(ttl);
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), "--ttl " + e.getMessage());
            }
            if (validity.isNegative() || validity.isZero()) {
                throw new ParameterException(spec.commandLine(), "--ttl " + ttl + ": expected a duration > 0");
            }
            String token;
            try {
                token = BootstrapTokens.loadOrCreate(stateDir, Clock.systemUTC())
                        .mint(workload.substring(0, dot), workload.substring(dot + 1), serviceAccount, validity);
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), e.getMessage());
            }
            PrintWriter out = spec.commandLine().getOut();
            out.println(token);
            out.flush();
            return 0;
        }
    }
}
