package dev.skiff.proxy.model;

/** What a filter chain does with the connections it accepts: terminate HTTP or relay bytes. */
public sealed interface ChainAction permits HttpConnectionManagerSpec, TcpProxySpec {
}
