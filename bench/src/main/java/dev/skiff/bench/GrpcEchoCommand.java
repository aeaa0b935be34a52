package dev.skiff.bench;

import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/** {@code grpc-echo}: serves {@code skiff.bench.Echo} over plaintext HTTP/2 on a loopback address until stopped. */
@Command(name = "grpc-echo", mixinStandardHelpOptions = true,
        description = "Serve the unary gRPC echo service (request bytes back as the response) on a loopback address until stopped.")
public final class GrpcEchoCommand implements Callable<Integer> {

    @Option(names = "--listen", required = true, paramLabel = "HOST:PORT",
            description = "Loopback address to listen on, e.g. 127.0.0.1:18808.")
    String listen;

    @Override
    public Integer call() throws IOException, InterruptedException {
        Server server = start(Target.parseHostPort("--listen", listen));
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().unstarted(() -> stop(server)));
        System.out.println("grpc-echo: serving " + EchoService.SERVICE + " on " + listen);
        server.awaitTermination();
        return 0;
    }

    /** Starts the echo server on {@code address} (port 0 picks a free port). */
    static Server start(InetSocketAddress address) throws IOException {
        return NettyServerBuilder.forAddress(address)
                .addService(EchoService.definition())
                .directExecutor()
                .build()
                .start();
    }

    static void stop(Server server) {
        server.shutdown();
        try {
            if (!server.awaitTermination(2, TimeUnit.SECONDS)) {
                server.shutdownNow();
            }
        } catch (InterruptedException e) {
            server.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
