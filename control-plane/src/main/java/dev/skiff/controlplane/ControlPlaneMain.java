package dev.skiff.controlplane;

import dev.skiff.controlplane.ca.CaServer;
import dev.skiff.controlplane.ca.CaServerOptions;
import dev.skiff.controlplane.ca.CaSettings;
import dev.skiff.controlplane.cli.TokenCommand;
import dev.skiff.controlplane.cli.ValidateCommand;
import dev.skiff.controlplane.config.GoDuration;
import dev.skiff.controlplane.config.DirectoryConfigSource;
import dev.skiff.controlplane.meshconfig.MeshConfig;
import dev.skiff.controlplane.meshconfig.MeshConfigException;
import dev.skiff.controlplane.meshconfig.MeshConfigFile;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** Entry point of the control-plane jar: {@code skiff control-plane} and {@code skiff validate}. */
@Command(name = "skiff", mixinStandardHelpOptions = true, subcommands = {
        ControlPlaneMain.Run.class, ValidateCommand.class, TokenCommand.class})
public final class ControlPlaneMain {
    private ControlPlaneMain() {
    }

    public static void main(String[] args) {
        int code = new CommandLine(new ControlPlaneMain()).execute(args);
        if (code != 0 || args.length == 0 || !"control-plane".equals(args[0])) {
            System.exit(code);
        }
    }

    @Command(name = "control-plane", mixinStandardHelpOptions = true,
            description = "Serve xDS to sidecars and proxyless gRPC clients from a watched directory of Istio YAML.")
    static final class Run implements Callable<Integer> {
        @Option(names = "--config-dir", required = true, paramLabel = "DIR",
                description = "Directory of *.yaml files (Istio kinds), watched for changes.")
        Path configDir;

        @Option(names = "--xds-address", defaultValue = "127.0.0.1:15010", paramLabel = "HOST:PORT",
                description = "Where ADS is served over gRPC (default: ${DEFAULT-VALUE}).")
        String xdsAddress;

        @Option(names = "--monitoring-address", defaultValue = "127.0.0.1:15014", paramLabel = "HOST:PORT",
                description = "Where /ready and /debug/* are served over HTTP (default: ${DEFAULT-VALUE}).")
        String monitoringAddress;

        @Option(names = "--state-dir", paramLabel = "DIR",
                description = "Where the CA keeps its root, the bootstrap token key and the trust bundle "
                        + "(default: .skiff/state under the working directory).")
        Path stateDir = CaServer.DEFAULT_STATE_DIR;

        @Option(names = "--ca-address", defaultValue = "127.0.0.1:15012", paramLabel = "HOST:PORT",
                description = "Where the CA's certificate service is served over TLS gRPC (default: ${DEFAULT-VALUE}).")
        String caAddress;

        @Option(names = "--trust-domain", defaultValue = CaSettings.DEFAULT_TRUST_DOMAIN, paramLabel = "DOMAIN",
                description = "The SPIFFE trust domain of workload identities (default: ${DEFAULT-VALUE}).")
        String trustDomain;

        @Option(names = "--cacerts", paramLabel = "DIR",
                description = "Sign with a plugged intermediate: ca-cert.pem, ca-key.pem, root-cert.pem and "
                        + "cert-chain.pem in DIR (default: a self-signed root kept in the state directory).")
        Path cacerts;

        @Option(names = "--max-workload-cert-ttl", defaultValue = "2160h", paramLabel = "DURATION",
                description = "The longest validity a workload certificate can get (default: ${DEFAULT-VALUE}).")
        String maxWorkloadCertTtl;

        @Option(names = "--mesh-config", paramLabel = "FILE",
                description = "Istio's MeshConfig YAML (the istio ConfigMap's mesh key): the tracing providers of"
                        + " extensionProviders and defaultProviders.tracing; read at start (default: none).")
        Path meshConfigFile;

        @Override
        public Integer call() throws Exception {
            if (!Files.isDirectory(configDir)) {
                System.err.println("skiff control-plane: --config-dir " + configDir + ": not a directory");
                return 2;
            }
            MeshConfig meshConfig = MeshConfig.DEFAULT;
            if (meshConfigFile != null) {
                try {
                    meshConfig = MeshConfigFile.load(meshConfigFile);
                } catch (MeshConfigException e) {
                    e.problems().forEach(problem -> System.err.println("skiff control-plane: --mesh-config "
                            + problem));
                    return 2;
                }
            }
            CountDownLatch stopped = new CountDownLatch(1);
            CaSettings settings;
            try {
                settings = CaSettings.defaults().withTrustDomain(trustDomain)
                        .withMaxWorkloadTtl(GoDuration.parse(maxWorkloadCertTtl));
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(new CommandLine(new Run()), e.getMessage());
            }
            CaServerOptions caOptions = CaServerOptions.defaults()
                    .withAddress(parse("--ca-address", caAddress)).withSettings(settings);
            if (cacerts != null) {
                caOptions = caOptions.withCacerts(cacerts);
            }
            ControlPlane controlPlane = new ControlPlane(new DirectoryConfigSource(configDir,
                    DirectoryConfigSource.Settings.DEFAULTS, meshConfig),
                    parse("--xds-address", xdsAddress), parse("--monitoring-address", monitoringAddress),
                    stateDir, caOptions, meshConfig).start();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                controlPlane.close();
                stopped.countDown();
            }, "shutdown"));
            stopped.await();
            return 0;
        }

        private static InetSocketAddress parse(String option, String hostPort) {
            int colon = hostPort.lastIndexOf(':');
            try {
                if (colon <= 0) {
                    throw new NumberFormatException();
                }
                int port = Integer.parseInt(hostPort.substring(colon + 1));
                if (port < 0 || port > 65535) {
                    throw new NumberFormatException();
                }
                return new InetSocketAddress(hostPort.substring(0, colon), port);
            } catch (NumberFormatException e) {
                throw new CommandLine.ParameterException(new CommandLine(new Run()),
                        option + " " + hostPort + ": expected HOST:PORT with a port from 0 to 65535");
            }
        }
    }
}
