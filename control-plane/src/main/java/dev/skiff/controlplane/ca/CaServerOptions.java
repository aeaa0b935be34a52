package dev.skiff.controlplane.ca;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * How the CA server runs.
 *
 * @param address        where the TLS gRPC port listens (Istio's 15012)
 * @param settings       trust domain and certificate lifetimes
 * @param cacerts        a directory of Istio {@code cacerts} files to sign with; empty for a self-signed root kept
 *                       in the state directory
 * @param serverDnsNames the DNS names in the port's own certificate (its addresses are added to them)
 */
public record CaServerOptions(InetSocketAddress address, CaSettings settings, Optional<Path> cacerts,
                              List<String> serverDnsNames) {
    public static final String DEFAULT_HOST = "127.0.0.1";
    public static final int DEFAULT_PORT = 15012;
    public static final List<String> DEFAULT_SERVER_DNS_NAMES =
            List.of("istiod.istio-system.svc", "istiod.istio-system.svc.cluster.local", "localhost");

    public CaServerOptions {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(settings, "settings");
        Objects.requireNonNull(cacerts, "cacerts");
        serverDnsNames = List.copyOf(serverDnsNames);
    }

    /** 127.0.0.1:15012, default settings, a self-signed root. */
    public static CaServerOptions defaults() {
        return new CaServerOptions(new InetSocketAddress(DEFAULT_HOST, DEFAULT_PORT), CaSettings.defaults(),
                Optional.empty(), DEFAULT_SERVER_DNS_NAMES);
    }

    public CaServerOptions withAddress(InetSocketAddress newAddress) {
        return new CaServerOptions(newAddress, settings, cacerts, serverDnsNames);
    }

    public CaServerOptions withSettings(CaSettings newSettings) {
        return new CaServerOptions(address, newSettings, cacerts, serverDnsNames);
    }

    public CaServerOptions withCacerts(Path dir) {
        return new CaServerOptions(address, settings, Optional.of(dir), serverDnsNames);
    }
}
