package dev.skiff.controlplane.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.controlplane.cli.ValidateCommand;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ValidateCommandTest {
    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine command = new CommandLine(new ValidateCommand());
        command.setOut(new PrintWriter(out));
        command.setErr(new PrintWriter(err));
        return command.execute(args);
    }

    private Path write(String name, String content) throws IOException {
        Path file = dir.resolve(name);
        Files.createDirectories(file.getParent());
        Files.writeString(file, content);
        return file;
    }

    @Test
    void validConfigurationExitsZeroAndCountsObjects() throws IOException {
        write("config/vms.yaml", """
                apiVersion: networking.istio.io/v1
                kind: WorkloadEntry
                metadata: {name: vm1}
                spec: {address: 127.0.0.1}
                ---
                apiVersion: networking.istio.io/v1
                kind: WorkloadEntry
                metadata: {name: vm2}
                spec: {address: 127.0.0.2}
                """);
        Path single = write("reviews.yaml", """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews}
                spec:
                  hosts: [reviews]
                  http: [{route: [{destination: {host: reviews}}]}]
                """);

        int exit = run("-f", dir.resolve("config").toString(), "--file", single.toString());

        assertThat(exit).isZero();
        assertThat(out.toString()).isEqualTo("3 objects valid" + System.lineSeparator());
        assertThat(err.toString()).isEmpty();
    }

    @Test
    void everyErrorIsPrintedAndTheExitCodeIsOne() throws IOException {
        Path vs = write("vs.yaml", """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews}
                spec:
                  hosts: [reviews]
                  http:
                  - route:
                    - destination: {host: reviews, subset: v1}
                      weight: 70
                    - destination: {host: reviews, subset: v2}
                      weight: 20
                ---
                apiVersion: networking.istio.io/v1
                kind: WorkloadEntry
                metadata: {name: vm1}
                spec: {address: 127.0.0.1, weigth: 2}
                """);
        Path duplicate = write("dup.yaml", """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews}
                spec:
                  hosts: [reviews]
                  http: [{route: [{destination: {host: reviews}}]}]
                """);

        int exit = run("-f", vs.toString(), "-f", duplicate.toString());

        assertThat(exit).isEqualTo(1);
        assertThat(out.toString()).isEmpty();
        assertThat(err.toString().lines()).containsExactly(
                vs + ": VirtualService default/reviews: spec.http[0].route: weights add up to 90 (expected: 100)",
                vs + ": WorkloadEntry default/vm1: spec.weigth: unknown field (did you mean weight?)",
                duplicate + ": VirtualService default/reviews: declared twice: also in " + vs + ", which is read "
                        + "first and used (expected: one declaration per kind, namespace and name)");
    }

    @Test
    void aMissingPathIsAnError() {
        int exit = run("-f", dir.resolve("nope.yaml").toString());

        assertThat(exit).isEqualTo(1);
        assertThat(err.toString()).isEqualTo(dir.resolve("nope.yaml") + ": no such file or directory"
                + System.lineSeparator());
    }

    @Test
    void anEmptyDirectoryIsValid() {
        assertThat(run("-f", dir.toString())).isZero();
        assertThat(out.toString()).isEqualTo("0 objects valid" + System.lineSeparator());
    }

    @Test
    void theFileOptionIsRequired() {
        assertThat(run()).isEqualTo(2);
        assertThat(err.toString()).contains("Missing required option: '--file=FILE|DIR'");
    }

    @Test
    void aMeshConfigIsCheckedAndItsTracingProvidersMayBeNamed() throws IOException {
        Path telemetry = write("telemetry.yaml", """
                apiVersion: telemetry.istio.io/v1
                kind: Telemetry
                metadata: {name: tracing, namespace: istio-system}
                spec:
                  tracing:
                  - providers: [{name: otel}]
                """);
        Path meshConfig = write("mesh-config.yaml", """
                extensionProviders:
                - name: otel
                  opentelemetry: {service: otel-collector.observability.svc.cluster.local, port: 4317}
                """);
        assertThat(run("--mesh-config", meshConfig.toString(), "-f", telemetry.toString())).isZero();
        assertThat(run("-f", telemetry.toString())).isEqualTo(1);
        assertThat(err.toString()).contains("spec.tracing[0].providers[0].name: \"otel\" is not a tracing provider");

        Path broken = write("broken-mesh-config.yaml", "enableTracing: true\n");
        assertThat(run("--mesh-config", broken.toString(), "-f", telemetry.toString())).isEqualTo(1);
        assertThat(err.toString()).contains(broken + ": enableTracing: not served by Skiff");
    }
}
