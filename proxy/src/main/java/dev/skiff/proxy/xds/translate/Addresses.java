package dev.skiff.proxy.xds.translate;

import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Set;

/** Envoy {@code Address} to a resolved socket address; only IP literals are accepted, nothing is looked up. */
final class Addresses {
    private Addresses() {
    }

    static InetSocketAddress socketAddress(Address address, String where) throws TranslationException {
        if (!address.hasSocketAddress()) {
            throw new TranslationException(where + ": " + Messages.lower(address.getAddressCase())
                    + " address unsupported (expected: socket_address)");
        }
        Messages.requireOnly(address, where, Set.of("socket_address"), Set.of());
        SocketAddress socket = address.getSocketAddress();
        Messages.requireOnly(socket, where + ": socket_address", Set.of("address", "port_value", "protocol"), Set.of());
        if (socket.getProtocol() != SocketAddress.Protocol.TCP) {
            throw new TranslationException(where + ": socket_address protocol " + socket.getProtocol()
                    + " unsupported (expected: TCP)");
        }
        if (socket.getPortSpecifierCase() != SocketAddress.PortSpecifierCase.PORT_VALUE
                && socket.getPortSpecifierCase() != SocketAddress.PortSpecifierCase.PORTSPECIFIER_NOT_SET) {
            throw new TranslationException(where + ": socket_address " + socket.getPortSpecifierCase()
                    + " unsupported (expected: port_value)");
        }
        int port = socket.getPortValue();
        if (port > 65535) {
            throw new TranslationException(where + ": port " + Integer.toUnsignedString(port)
                    + " (expected: 0..65535)");
        }
        InetAddress ip;
        try {
            ip = InetAddress.ofLiteral(socket.getAddress());
        } catch (IllegalArgumentException e) {
            throw new TranslationException(where + ": address '" + socket.getAddress()
                    + "' (expected: an IPv4 or IPv6 literal)");
        }
        return new InetSocketAddress(ip, port);
    }
}
