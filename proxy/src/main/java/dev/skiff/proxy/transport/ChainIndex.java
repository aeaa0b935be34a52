package dev.skiff.proxy.transport;

import dev.skiff.proxy.model.FilterChainSpec;
import dev.skiff.proxy.model.HttpConnectionManagerSpec;
import dev.skiff.proxy.model.TcpProxySpec;
import dev.skiff.proxy.sni.ServerNameChains;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A listener's filter chains indexed by destination port; a chain for the exact port wins over one for any port
 * (port 0), and within a port the first chain in listener order wins.
 */
public final class ChainIndex {

    private final Map<Integer, List<FilterChainSpec>> byPort;
    private final List<FilterChainSpec> anyPort;
    private final Map<Integer, Map<String, FilterChainSpec>> tcpByPortAndName;
    private final Map<Integer, ServerNameChains> byServerName;
    private final ServerNameChains anyPortByServerName;

    public ChainIndex(List<FilterChainSpec> chains) {
        Map<Integer, List<FilterChainSpec>> ports = new HashMap<>();
        Map<Integer, Map<String, FilterChainSpec>> tcp = new HashMap<>();
        List<FilterChainSpec> any = new ArrayList<>();
        for (FilterChainSpec chain : chains) {
            if (chain.destinationPort() == 0) {
                any.add(chain);
            } else {
                ports.computeIfAbsent(chain.destinationPort(), p -> new ArrayList<>()).add(chain);
            }
            if (chain.action() instanceof TcpProxySpec) {
                tcp.computeIfAbsent(chain.destinationPort(), p -> new HashMap<>()).putIfAbsent(chain.name(), chain);
            }
        }
        Map<Integer, List<FilterChainSpec>> frozen = new HashMap<>();
        ports.forEach((port, list) -> frozen.put(port, List.copyOf(list)));
        Map<Integer, Map<String, FilterChainSpec>> frozenTcp = new HashMap<>();
        tcp.forEach((port, map) -> frozenTcp.put(port, Map.copyOf(map)));
        this.byPort = Map.copyOf(frozen);
        this.anyPort = List.copyOf(any);
        this.tcpByPortAndName = Map.copyOf(frozenTcp);
        Map<Integer, ServerNameChains> named = new HashMap<>();
        byPort.forEach((port, list) -> named.put(port, new ServerNameChains(list)));
        this.byServerName = Map.copyOf(named);
        this.anyPortByServerName = new ServerNameChains(anyPort);
    }

    /** Whether the chains serving {@code port} tell connections apart by the server name of their ClientHello. */
    public boolean matchesServerNames(int port) {
        ServerNameChains chains = byServerName.get(port);
        return (chains != null ? chains : anyPortByServerName).namesServers();
    }

    /**
     * The chain serving a connection to {@code port} over {@code transportProtocol} with {@code serverName} (empty
     * for none), picked as {@link ServerNameChains} does among the port's chains, else among those of any port.
     */
    public FilterChainSpec forServerName(int port, String transportProtocol, String serverName) {
        ServerNameChains chains = byServerName.get(port);
        FilterChainSpec chain = chains == null ? null : chains.pick(transportProtocol, serverName);
        return chain != null ? chain : anyPortByServerName.pick(transportProtocol, serverName);
    }

    /** The chain serving a connection to {@code port}, or null. */
    public FilterChainSpec forConnection(int port) {
        List<FilterChainSpec> chains = byPort.get(port);
        if (chains != null) {
            return chains.get(0);
        }
        return anyPort.isEmpty() ? null : anyPort.get(0);
    }

    /**
     * The chain serving a connection to {@code port} that arrived over {@code transportProtocol} ({@code tls} or
     * {@code raw_buffer}): among the chains of the port (else of any port), one naming that transport protocol wins
     * over one naming none; null when none fits.
     */
    public FilterChainSpec forConnection(int port, String transportProtocol) {
        List<FilterChainSpec> chains = byPort.get(port);
        FilterChainSpec chain = ServerNameChains.forTransport(chains != null ? chains : anyPort, transportProtocol);
        return chain != null || chains == null ? chain : ServerNameChains.forTransport(anyPort, transportProtocol);
    }

    /** Whether the chains serving {@code port} tell connections apart by transport protocol. */
    public boolean detectsTransport(int port) {
        List<FilterChainSpec> chains = byPort.get(port);
        for (FilterChainSpec chain : chains != null ? chains : anyPort) {
            if (!chain.transportProtocol().isEmpty() || chain.tls() != null) {
                return true;
            }
        }
        return false;
    }

    /** The HTTP chain serving requests to {@code port}, or null. */
    public FilterChainSpec httpChain(int port) {
        FilterChainSpec chain = firstHttp(byPort.get(port));
        return chain != null ? chain : firstHttp(anyPort);
    }

    /** The TCP chain named {@code name} (a cluster name such as {@code outbound|port||host}) on {@code port}. */
    public FilterChainSpec tcpChain(int port, String name) {
        Map<String, FilterChainSpec> named = tcpByPortAndName.get(port);
        FilterChainSpec chain = named == null ? null : named.get(name);
        if (chain == null) {
            Map<String, FilterChainSpec> any = tcpByPortAndName.get(0);
            chain = any == null ? null : any.get(name);
        }
        return chain;
    }

    private static FilterChainSpec firstHttp(List<FilterChainSpec> chains) {
        if (chains == null) {
            return null;
        }
        for (int i = 0, n = chains.size(); i < n; i++) {
            FilterChainSpec chain = chains.get(i);
            if (chain.action() instanceof HttpConnectionManagerSpec) {
                return chain;
            }
        }
        return null;
    }
}
