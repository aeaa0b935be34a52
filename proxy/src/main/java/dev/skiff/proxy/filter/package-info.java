/**
 * L7 policy over requests: the {@link dev.skiff.proxy.filter.RouterFilter} (virtual host, route, weighted cluster,
 * endpoint), the per-request {@link dev.skiff.proxy.filter.RequestContext} with Envoy response flags, and the
 * {@link dev.skiff.proxy.filter.RequestListener} that telemetry and access logs plug into.
 */
package dev.skiff.proxy.filter;
