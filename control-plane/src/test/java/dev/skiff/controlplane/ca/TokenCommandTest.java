package dev.skiff.controlplane.ca;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.controlplane.cli.TokenCommand;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code skiff token create}, run the way the control-plane jar's main command runs it. */
class TokenCommandTest {
    @TempDir
    Path state;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine command = new CommandLine(new TokenCommand());
        command.setOut(new PrintWriter(out));
        command.setErr(new PrintWriter(err));
        return command.execute(args);
    }

    @Test
    void printsATokenTheControlPlaneAccepts() throws Exception {
        Instant before = Instant.now();
        int code = run("create", "--workload", "reviews-v1.default", "--service-account", "bookinfo-reviews",
                "--ttl", "2h", "--state-dir", state.toString());

        assertThat(code).isZero();
        assertThat(err.toString()).isEmpty();
        WorkloadToken token = BootstrapTokens.loadOrCreate(state, Clock.systemUTC()).verify(out.toString().strip());
        assertThat(token.workload()).isEqualTo("reviews-v1");
        assertThat(token.namespace()).isEqualTo("default");
        assertThat(token.serviceAccount()).isEqualTo("bookinfo-reviews");
        assertThat(token.expiresAt()).isBetween(before.plus(Duration.ofHours(2)).minusSeconds(1),
                Instant.now().plus(Duration.ofHours(2)));
    }

    @Test
    void theServiceAccountDefaultsToDefault() throws Exception {
        assertThat(run("create", "--workload", "ratings.shop", "--state-dir", state.toString())).isZero();

        WorkloadToken token = BootstrapTokens.loadOrCreate(state, Clock.systemUTC()).verify(out.toString().strip());
        assertThat(token.identity("cluster.local").uri()).isEqualTo("spiffe://cluster.local/ns/shop/sa/default");
    }

    @Test
    void rejectsAWorkloadWithoutNamespaceAndABadTtl() {
        assertThat(run("create", "--workload", "ratings", "--state-dir", state.toString())).isEqualTo(2);
        assertThat(err.toString()).contains("--workload ratings: expected NAME.NAMESPACE");

        assertThat(run("create", "--workload", "ratings.default", "--ttl", "1d", "--state-dir", state.toString()))
                .isEqualTo(2);
        assertThat(err.toString()).contains("--ttl \"1d\"");
        assertThat(out.toString()).isEmpty();
    }

    @Test
    void withoutSubcommandPrintsUsage() {
        assertThat(run()).isEqualTo(2);
        assertThat(err.toString()).contains("missing subcommand (expected: create)").contains("Usage: token");
    }
}
