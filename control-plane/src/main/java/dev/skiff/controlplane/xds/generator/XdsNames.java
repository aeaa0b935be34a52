package dev.skiff.controlplane.xds.generator;

/** Resource names of the xDS contract (docs/architecture.md, "The xDS contract"). */
public final class XdsNames {
    /** The sidecar's outbound listener. */
    public static final String VIRTUAL_OUTBOUND = "virtualOutbound";
    /** The port the outbound listener binds. */
    public static final int VIRTUAL_OUTBOUND_PORT = 15001;
    /** The default chain of {@code virtualOutbound} and its empty route configuration: destinations outside the mesh. */
    public static final String BLACK_HOLE = "BlackHoleCluster";

    private XdsNames() {
    }

    /** {@code outbound|<port>|<subset>|<host>}; {@code subset} is empty for the whole service. */
    public static String outboundCluster(int port, String subset, String host) {
        return "outbound|" + port + "|" + subset + "|" + host;
    }

    /** {@code inbound|<port>||}: the sidecar's own application behind service port {@code port}. */
    public static String inboundCluster(int port) {
        return "inbound|" + port + "||";
    }

    /** {@code inbound|<targetPort>}: the inbound listener and its inline route configuration. */
    public static String inboundListener(int targetPort) {
        return "inbound|" + targetPort;
    }

    /** {@code <port>}: the sidecar route configuration of one outbound port. */
    public static String portRoutes(int port) {
        return Integer.toString(port);
    }

    /** {@code <host>:<port>}: a virtual host, a proxyless listener, a proxyless route configuration. */
    public static String hostPort(String host, int port) {
        return host + ":" + port;
    }
}
