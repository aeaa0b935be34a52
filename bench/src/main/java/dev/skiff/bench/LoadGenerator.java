package dev.skiff.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import org.HdrHistogram.Histogram;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs one open-loop load test: opens the connections, starts every {@link ConnectionSlot} on the same timeline,
 * samples the watched processes over the measured window, then merges the slots' histograms and counts.
 */
final class LoadGenerator {
    /** Percentiles written to the JSON results for plotting. */
    static final double[] CURVE = {0, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 99.95, 99.99, 100};
    private static final long START_DELAY_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    private static final int CONNECT_TIMEOUT_MILLIS = 3000;

    /**
     * @param timeout how long a request may wait for its response; also how long the run waits past the timeline
     */
    record Options(Target target, Schedule schedule, Duration timeout, String topology, int repeat) {
        Options {
            if (timeout.toMillis() < 1) {
                throw new IllegalArgumentException("--timeout: " + timeout + " (expected >= 1ms)");
            }
            if (repeat < 1) {
                throw new IllegalArgumentException("--repeat: " + repeat + " (expected >= 1)");
            }
        }
    }

    private LoadGenerator() {
    }

    static RunResult run(Options options, ProcessSampler sampler) throws InterruptedException {
        boolean epoll = Epoll.isAvailable();
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        Class<? extends SocketChannel> channelType = epoll ? EpollSocketChannel.class : NioSocketChannel.class;
        Schedule schedule = options.schedule();
        int threads = Math.min(schedule.connections(), Runtime.getRuntime().availableProcessors());
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(threads, io);
        try {
            Bootstrap template = new Bootstrap()
                    .group(group)
                    .channel(channelType)
                    .option(ChannelOption.TCP_NODELAY, true)
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, CONNECT_TIMEOUT_MILLIS)
                    .remoteAddress(options.target().connect());
            byte[] requestBytes = options.target().requestBytes();
            List<ConnectionSlot> slots = new ArrayList<>();
            for (int i = 0; i < schedule.connections(); i++) {
                ByteBuf request = Unpooled.directBuffer(requestBytes.length).writeBytes(requestBytes);
                slots.add(new ConnectionSlot(i, schedule, template, group.next(), request, options.timeout().toNanos()));
            }
            connectAll(slots, options.target());
            sampler.requireAlive();

            long start = System.nanoTime() + START_DELAY_NANOS;
            for (ConnectionSlot slot : slots) {
                slot.loop().execute(() -> slot.begin(start));
            }
            sampler.measure(start + schedule.warmup().toNanos(), start + schedule.timelineNanos());
            awaitSlots(slots, start + schedule.timelineNanos() + options.timeout().toNanos());
            return summarize(options, slots, sampler, epoll ? "epoll" : "nio");
        } finally {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
        }
    }

    private static void connectAll(List<ConnectionSlot> slots, Target target) throws InterruptedException {
        List<ChannelFuture> connects = new ArrayList<>();
        for (ConnectionSlot slot : slots) {
            connects.add(slot.connect());
        }
        for (ChannelFuture f : connects) {
            if (!f.await(CONNECT_TIMEOUT_MILLIS + 1000L) || !f.isSuccess()) {
                slots.forEach(ConnectionSlot::abort);
                String why = f.cause() == null ? "no answer within " + CONNECT_TIMEOUT_MILLIS + " ms" : f.cause().getMessage();
                throw new IllegalStateException("cannot connect to " + target.connect().getAddress().getHostAddress()
                        + ":" + target.connect().getPort() + ": " + why + " (is the target listening?)");
            }
        }
    }

    private static void awaitSlots(List<ConnectionSlot> slots, long deadlineNanos) throws InterruptedException {
        long grace = TimeUnit.SECONDS.toNanos(5);
        for (ConnectionSlot slot : slots) {
            try {
                slot.finished().get(Math.max(0, deadlineNanos + grace - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (ExecutionException | TimeoutException e) {
                throw new IllegalStateException("a connection did not finish by the run's deadline", e);
            }
        }
    }

    private static RunResult summarize(Options options, List<ConnectionSlot> slots, ProcessSampler sampler, String transport) {
        Schedule schedule = options.schedule();
        Histogram all = new Histogram(ConnectionSlot.HIGHEST_TRACKABLE_NANOS, 3);
        Histogram lag = new Histogram(ConnectionSlot.HIGHEST_TRACKABLE_NANOS, 3);
        long completed = 0;
        long non2xx = 0;
        long timeouts = 0;
        long closed = 0;
        long unsent = 0;
        long connectFailures = 0;
        for (ConnectionSlot slot : slots) {
            all.add(slot.histogram());
            lag.add(slot.wakeupLag());
            completed += slot.measuredCompleted();
            non2xx += slot.measuredNon2xx();
            timeouts += slot.measuredTimeouts();
            closed += slot.measuredClosed();
            unsent += slot.measuredUnsent();
            connectFailures += slot.connectFailures();
        }
        double seconds = schedule.duration().toNanos() / 1e9;
        RunResult.Latency latency = new RunResult.Latency(millis(all, 50), millis(all, 90), millis(all, 99),
                millis(all, 99.9), all.getTotalCount() == 0 ? 0 : all.getMaxValue() / 1e6,
                all.getTotalCount() == 0 ? 0 : all.getMean() / 1e6);
        List<RunResult.Percentile> curve = new ArrayList<>();
        for (double p : CURVE) {
            curve.add(new RunResult.Percentile(p, millis(all, p)));
        }
        return new RunResult(RunResult.KIND, options.topology(), options.repeat(), options.target().describe(),
                options.target().viaProxy(), schedule.rate(), schedule.connections(),
                schedule.warmup().toNanos() / 1e9, seconds, schedule.measuredRequests(), completed, completed / seconds,
                new RunResult.Errors(connectFailures, timeouts, closed, non2xx, unsent), latency, curve,
                new RunResult.WakeupLag(lag.getTotalCount(), millis(lag, 50), millis(lag, 99),
                        lag.getTotalCount() == 0 ? 0 : lag.getMaxValue() / 1e6),
                sampler.costs(completed), transport);
    }

    private static double millis(Histogram h, double percentile) {
        return h.getTotalCount() == 0 ? 0 : h.getValueAtPercentile(percentile) / 1e6;
    }
}
