package dev.skiff.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import org.HdrHistogram.Histogram;

import java.util.concurrent.TimeUnit;

/**
 * One keep-alive HTTP/1.1 connection of an open-loop run and its share of the timeline (requests
 * {@code c, c + n, c + 2n, ...}). At most one request is in flight: a request whose intended time has passed is sent
 * as soon as the previous response is in, and its latency still counts from its intended time. A lost connection is
 * reopened and the schedule goes on. Every field is confined to the slot's event loop; results are read once
 * {@link #finished()} has completed.
 */
final class ConnectionSlot {
    static final long HIGHEST_TRACKABLE_NANOS = TimeUnit.SECONDS.toNanos(60);
    private static final long RECONNECT_DELAY_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
    private static final long WATCHDOG_PERIOD_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

    private final int index;
    private final Schedule schedule;
    private final Bootstrap bootstrap;
    private final EventLoop loop;
    private final ByteBuf request;
    private final long timeoutNanos;
    private final long requestsToSend;
    private final Promise<ConnectionSlot> finished;
    private final Runnable onTimer = this::onTimer;
    private final Runnable reconnect = this::reconnect;
    private final Histogram histogram = new Histogram(HIGHEST_TRACKABLE_NANOS, 3);
    private final Histogram wakeupLag = new Histogram(HIGHEST_TRACKABLE_NANOS, 3);

    private boolean started;
    private long start;
    private long k;
    private Channel channel;
    private boolean timerPending;
    private boolean inFlight;
    private long inFlightSeq;
    private long inFlightSentAt;
    private int inFlightStatus;
    private boolean inFlightKeepAlive;
    private boolean done;
    private Future<?> watchdog;
    private Future<?> deadline;

    private long completed;
    private long measuredCompleted;
    private long measuredNon2xx;
    private long measuredTimeouts;
    private long measuredClosed;
    private long measuredUnsent;
    private long connectFailures;

    /**
     * @param template a bootstrap with the group, channel type, options and remote address set; cloned onto {@code loop}
     * @param request  the request bytes; the slot owns this buffer and releases it when it finishes
     */
    ConnectionSlot(int index, Schedule schedule, Bootstrap template, EventLoop loop, ByteBuf request, long timeoutNanos) {
        this.index = index;
        this.schedule = schedule;
        this.loop = loop;
        this.request = request;
        this.timeoutNanos = timeoutNanos;
        this.requestsToSend = schedule.requestsFor(index);
        this.finished = loop.newPromise();
        this.bootstrap = template.clone(loop).handler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                ch.pipeline().addLast(new HttpResponseDecoder(), new ResponseHandler());
            }
        });
    }

    EventLoop loop() {
        return loop;
    }

    /** Opens the first connection; the caller waits for it so that an unreachable target fails the run up front. */
    ChannelFuture connect() {
        ChannelFuture f = bootstrap.connect();
        f.addListener(done -> {
            if (done.isSuccess()) {
                channel = f.channel();
            }
        });
        return f;
    }

    /** Completes when the slot has sent its last request and had its answer, or when the run's deadline cut it short. */
    Promise<ConnectionSlot> finished() {
        return finished;
    }

    /** Starts the timeline at {@code startNanos} ({@link System#nanoTime()}); must run on the slot's event loop. */
    void begin(long startNanos) {
        started = true;
        start = startNanos;
        watchdog = loop.scheduleAtFixedRate(this::checkTimeout, WATCHDOG_PERIOD_NANOS, WATCHDOG_PERIOD_NANOS, TimeUnit.NANOSECONDS);
        long end = startNanos + schedule.timelineNanos() + timeoutNanos;
        deadline = loop.schedule(this::cutShort, end - System.nanoTime(), TimeUnit.NANOSECONDS);
        pump(false);
    }

    /**
     * Sends the next request if it is due and the connection is free, or sets a timer for it.
     *
     * @param woke true when called by that timer: how late it fired is then recorded as the generator's wake-up lag
     */
    private void pump(boolean woke) {
        if (!started || done || inFlight || timerPending || channel == null || !channel.isActive()) {
            return;
        }
        if (k >= requestsToSend) {
            finish();
            return;
        }
        long seq = schedule.sequence(index, k);
        long wait = schedule.intendedNanos(start, seq) - System.nanoTime();
        if (wait > 0) {
            timerPending = true;
            loop.schedule(onTimer, wait, TimeUnit.NANOSECONDS);
            return;
        }
        if (woke && schedule.isMeasured(seq)) {
            wakeupLag.recordValue(Math.min(-wait, HIGHEST_TRACKABLE_NANOS));
        }
        inFlight = true;
        inFlightSeq = seq;
        inFlightSentAt = System.nanoTime();
        inFlightStatus = 0;
        inFlightKeepAlive = true;
        channel.writeAndFlush(request.retainedDuplicate(), channel.voidPromise());
    }

    private void onTimer() {
        timerPending = false;
        pump(true);
    }

    private void onResponseHead(HttpResponse response) {
        inFlightStatus = response.status().code();
        inFlightKeepAlive = HttpUtil.isKeepAlive(response);
    }

    private void onResponseEnd(Channel ch) {
        long latency = System.nanoTime() - schedule.intendedNanos(start, inFlightSeq);
        completed++;
        if (schedule.isMeasured(inFlightSeq)) {
            histogram.recordValue(Math.min(latency, HIGHEST_TRACKABLE_NANOS));
            measuredCompleted++;
            if (inFlightStatus < 200 || inFlightStatus > 299) {
                measuredNon2xx++;
            }
        }
        inFlight = false;
        k++;
        if (inFlightKeepAlive) {
            pump(false);
        } else {
            ch.close();
        }
    }

    /** The request in flight is lost (timeout or broken connection): counted, skipped, and the schedule goes on. */
    private void loseInFlight(boolean timedOut) {
        if (schedule.isMeasured(inFlightSeq)) {
            if (timedOut) {
                measuredTimeouts++;
            } else {
                measuredClosed++;
            }
        }
        inFlight = false;
        k++;
    }

    private void checkTimeout() {
        if (inFlight && System.nanoTime() - inFlightSentAt > timeoutNanos) {
            loseInFlight(true);
            channel.close();
        }
    }

    private void onInactive(Channel ch) {
        if (ch != channel) {
            return;
        }
        channel = null;
        if (inFlight) {
            loseInFlight(false);
        }
        if (!done) {
            reconnect();
        }
    }

    private void reconnect() {
        if (done) {
            return;
        }
        ChannelFuture f = bootstrap.connect();
        f.addListener(result -> {
            if (result.isSuccess()) {
                channel = f.channel();
                if (done) {
                    channel.close();
                } else {
                    pump(false);
                }
            } else {
                connectFailures++;
                loop.schedule(reconnect, RECONNECT_DELAY_NANOS, TimeUnit.NANOSECONDS);
            }
        });
    }

    /** The run's deadline: whatever is still in flight timed out, whatever is unsent stays unsent. */
    private void cutShort() {
        if (done) {
            return;
        }
        if (inFlight) {
            loseInFlight(true);
        }
        measuredUnsent = schedule.measuredFrom(index, k);
        finish();
    }

    /** Stops the slot before or during a run (the run could not start); safe from any thread. */
    void abort() {
        loop.execute(() -> {
            if (!done) {
                finish();
            }
        });
    }

    private void finish() {
        done = true;
        if (watchdog != null) {
            watchdog.cancel(false);
        }
        if (deadline != null) {
            deadline.cancel(false);
        }
        if (channel != null) {
            channel.close();
        }
        request.release();
        finished.trySuccess(this);
    }

    Histogram histogram() {
        return histogram;
    }

    /** How late the timer fired for measured requests due on an idle connection: the generator's own delay. */
    Histogram wakeupLag() {
        return wakeupLag;
    }

    long completed() {
        return completed;
    }

    long measuredCompleted() {
        return measuredCompleted;
    }

    long measuredNon2xx() {
        return measuredNon2xx;
    }

    long measuredTimeouts() {
        return measuredTimeouts;
    }

    long measuredClosed() {
        return measuredClosed;
    }

    long measuredUnsent() {
        return measuredUnsent;
    }

    long connectFailures() {
        return connectFailures;
    }

    /** Per channel: hands response events to the slot, and closes the channel on anything it cannot parse. */
    private final class ResponseHandler extends SimpleChannelInboundHandler<HttpObject> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
            if (ctx.channel() != channel) {
                return;
            }
            if (msg.decoderResult().isFailure() || !inFlight) {
                ctx.close();
                return;
            }
            if (msg instanceof HttpResponse response) {
                onResponseHead(response);
            }
            if (msg instanceof LastHttpContent) {
                onResponseEnd(ctx.channel());
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            onInactive(ctx.channel());
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
