package dev.skiff.controlplane.xds;

import com.google.protobuf.Any;

/**
 * One generated resource, serialized once and shared by every proxy that receives it.
 *
 * @param name    the resource name (cluster name, listener name, ...)
 * @param body    the packed Envoy message
 * @param version a version of this resource alone, derived from its bytes
 */
public record XdsResource(String name, Any body, String version) {
}
