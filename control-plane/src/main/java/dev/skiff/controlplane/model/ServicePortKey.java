package dev.skiff.controlplane.model;

/** A service host and one of its port numbers. */
public record ServicePortKey(String host, int port) {
}
