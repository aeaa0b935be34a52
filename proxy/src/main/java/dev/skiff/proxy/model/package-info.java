/**
 * The proxy's runtime configuration: immutable records built by the xDS translators and published as one
 * {@link dev.skiff.proxy.model.ProxyConfigSnapshot}. Listeners hold filter chains matched by destination port; a
 * chain either terminates HTTP ({@link dev.skiff.proxy.model.HttpConnectionManagerSpec}, routes from RDS or inline)
 * or relays bytes ({@link dev.skiff.proxy.model.TcpProxySpec}). Route tables find virtual hosts by authority and
 * routes by {@link dev.skiff.proxy.model.RouteMatch} as Envoy does. No protobuf type appears here.
 */
package dev.skiff.proxy.model;
