package dev.skiff.proxy.xds.translate;

import com.google.protobuf.DescriptorProtos;
import com.google.protobuf.Descriptors;

/**
 * Descriptors of Envoy extension messages the proxy accepts by type URL but whose Java classes the api-protos do
 * not carry; printers that render accepted resources (the config dump) add them to their type registries.
 */
public final class ExtensionTypes {

    /** {@code envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate}, an empty message. */
    public static final Descriptors.Descriptor PREVIOUS_HOSTS_PREDICATE = emptyMessage(
            "envoy/extensions/retry/host/previous_hosts/v3/previous_hosts.proto",
            "envoy.extensions.retry.host.previous_hosts.v3", "PreviousHostsPredicate");

    private ExtensionTypes() {
    }

    private static Descriptors.Descriptor emptyMessage(String file, String protoPackage, String name) {
        DescriptorProtos.FileDescriptorProto proto = DescriptorProtos.FileDescriptorProto.newBuilder()
                .setName(file)
                .setPackage(protoPackage)
                .setSyntax("proto3")
                .addMessageType(DescriptorProtos.DescriptorProto.newBuilder().setName(name))
                .build();
        try {
            return Descriptors.FileDescriptor.buildFrom(proto, new Descriptors.FileDescriptor[0])
                    .findMessageTypeByName(name);
        } catch (Descriptors.DescriptorValidationException e) {
            throw new IllegalStateException(protoPackage + "." + name + " descriptor: " + e.getMessage(), e);
        }
    }
}
