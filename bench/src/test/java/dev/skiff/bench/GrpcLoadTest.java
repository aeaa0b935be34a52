package dev.skiff.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.BytesValue;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCalls;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GrpcLoadTest {
    private static final InetSocketAddress ANY_LOOPBACK_PORT = new InetSocketAddress("127.0.0.1", 0);

    private static GrpcLoad.Options options(Server server, Duration timeout) {
        return new GrpcLoad.Options(new InetSocketAddress("127.0.0.1", server.getPort()), null, 2, 4, 1024,
                Duration.ofMillis(200), Duration.ofMillis(800), timeout, "direct", 1);
    }

    /** An echo service that answers with {@code method} instead, on a free loopback port. */
    private static Server serverAnswering(ServerCalls.UnaryMethod<BytesValue, BytesValue> method) throws IOException {
        ServerServiceDefinition service = ServerServiceDefinition.builder(EchoService.SERVICE)
                .addMethod(EchoService.ECHO, ServerCalls.asyncUnaryCall(method))
                .build();
        return NettyServerBuilder.forAddress(ANY_LOOPBACK_PORT).addService(service).build().start();
    }

    private static ProcessSampler noProcesses() {
        return new ProcessSampler(List.of(), new ProcStat(), 100);
    }

    @Test
    void callsTheEchoServiceInAClosedLoopAndMeasuresTheWindow() throws Exception {
        Server server = GrpcEchoCommand.start(ANY_LOOPBACK_PORT);
        try {
            GrpcRunResult result = GrpcLoad.run(options(server, Duration.ofSeconds(5)), noProcesses());

            assertThat(result.kind()).isEqualTo("grpc");
            assertThat(result.load()).isEqualTo("2 channels x 4 calls");
            assertThat(result.requests()).isPositive();
            assertThat(result.requestsPerSecond()).isEqualTo(result.requests() / 0.8);
            assertThat(result.errors()).isEqualTo(new GrpcRunResult.Errors(0, 0, 0));
            assertThat(result.latencyMillis().p50()).isPositive().isLessThanOrEqualTo(result.latencyMillis().max());
        } finally {
            GrpcEchoCommand.stop(server);
        }
    }

    @Test
    void aServerThatNeverAnswersEndsInDeadlinesAndTheRunStillStops() throws Exception {
        Server server = serverAnswering((request, response) -> {
        });
        try {
            GrpcRunResult result = GrpcLoad.run(options(server, Duration.ofMillis(300)), noProcesses());

            assertThat(result.requests()).isZero();
            assertThat(result.errors().deadline()).isPositive();
            assertThat(result.errors().status()).isZero();
        } finally {
            GrpcEchoCommand.stop(server);
        }
    }

    @Test
    void aShortPayloadCountsAsAPayloadError() throws Exception {
        Server server = serverAnswering((request, response) -> {
            response.onNext(BytesValue.of(request.getValue().substring(1)));
            response.onCompleted();
        });
        try {
            GrpcRunResult result = GrpcLoad.run(options(server, Duration.ofSeconds(5)), noProcesses());

            assertThat(result.requests()).isZero();
            assertThat(result.errors().payload()).isPositive();
        } finally {
            GrpcEchoCommand.stop(server);
        }
    }

    @Test
    void theCommandWritesJsonTheReportReadsAndRefusesOtherThanLoopback(@TempDir Path dir) throws Exception {
        Server server = GrpcEchoCommand.start(ANY_LOOPBACK_PORT);
        try {
            Path json = dir.resolve("grpc-direct-r1.json");
            int code = BenchMain.execute("grpc-load", "--target", "127.0.0.1:" + server.getPort(), "--channels", "1",
                    "--concurrency", "2", "--warmup", "100ms", "--duration", "500ms", "--json", json.toString());

            assertThat(code).isZero();
            JsonNode n = new ObjectMapper().readTree(json.toFile());
            assertThat(n.path("kind").asText()).isEqualTo("grpc");
            assertThat(n.path("payloadBytes").asInt()).isEqualTo(1024);
            assertThat(Report.read(dir).render()).contains("| gRPC | direct | 1 channel x 2 calls |");
        } finally {
            GrpcEchoCommand.stop(server);
        }
        assertThat(BenchMain.execute("grpc-load", "--target", "10.0.0.1:50051")).isEqualTo(2);
        assertThatThrownBy(() -> new GrpcLoad.Options(ANY_LOOPBACK_PORT, null, 0, 1, 1, Duration.ZERO,
                Duration.ofSeconds(1), Duration.ofSeconds(1), "x", 1))
                .hasMessage("--channels: 0 (expected >= 1)");
    }
}
