package dev.skiff.bench;

import java.net.InetAddress;
import java.util.Locale;

/**
 * Keeps benchmark traffic on this machine: every address the load generator connects to must be a loopback address
 * (127.0.0.0/8 or ::1), given as an IP literal or as {@code localhost}. Host names are never resolved here, so no
 * lookup can turn a name into a remote address.
 */
final class LoopbackGuard {
    private LoopbackGuard() {
    }

    /**
     * Returns the loopback address that {@code host} names, or throws with what was wrong.
     *
     * @param what what the host is for, used in the error message (e.g. {@code "--proxy"})
     */
    static InetAddress requireLoopback(String what, String host) {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException(what + ": no host given (expected a loopback address such as 127.0.0.1)");
        }
        String h = stripBrackets(host.strip());
        if (h.toLowerCase(Locale.ROOT).equals("localhost")) {
            return InetAddress.getLoopbackAddress();
        }
        InetAddress address = literal(h);
        if (address == null) {
            throw new IllegalArgumentException(what + ": '" + host + "' is not an IP address; the load generator only"
                    + " connects to loopback addresses given literally (expected 127.0.0.0/8, ::1 or localhost)");
        }
        if (!address.isLoopbackAddress()) {
            throw new IllegalArgumentException(what + ": " + host + " is not a loopback address; benchmark traffic"
                    + " stays on this machine (expected 127.0.0.0/8, ::1 or localhost)");
        }
        return address;
    }

    /** True when {@code host} is an IP literal (as opposed to a host name), bracketed IPv6 included. */
    static boolean isIpLiteral(String host) {
        return host != null && literal(stripBrackets(host.strip())) != null;
    }

    private static InetAddress literal(String h) {
        try {
            return InetAddress.ofLiteral(h);
        } catch (IllegalArgumentException notALiteral) {
            return null;
        }
    }

    private static String stripBrackets(String h) {
        if (h.length() > 1 && h.startsWith("[") && h.endsWith("]")) {
            return h.substring(1, h.length() - 1);
        }
        return h;
    }
}
