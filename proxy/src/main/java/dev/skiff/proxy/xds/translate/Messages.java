package dev.skiff.proxy.xds.translate;

import com.google.protobuf.Any;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/** Checks shared by the translators: strict field sets, typed config unpacking and regular expressions. */
final class Messages {
    private Messages() {
    }

    /**
     * Rejects a message that sets any field outside {@code supported} and {@code ignored}, or that carries fields
     * this build does not know: either could change behaviour in a way the proxy would silently not honour.
     *
     * @param where     where the message sits, e.g. {@code cluster outbound|80||a}
     * @param supported the fields the translator reads, listed in the rejection message
     * @param ignored   fields that change nothing the proxy does (names, stats prefixes, metadata)
     */
    static void requireOnly(Message message, String where, Set<String> supported, Set<String> ignored)
            throws TranslationException {
        List<String> unsupported = new ArrayList<>();
        for (FieldDescriptor field : message.getAllFields().keySet()) {
            if (!supported.contains(field.getName()) && !ignored.contains(field.getName())) {
                unsupported.add(field.getName());
            }
        }
        if (!unsupported.isEmpty()) {
            throw new TranslationException(where + ": " + String.join(", ", unsupported) + ": unsupported"
                    + " (expected only: " + (supported.isEmpty() ? "no fields" : String.join(", ", new TreeSet<>(supported)))
                    + ")");
        }
        if (!message.getUnknownFields().asMap().isEmpty()) {
            throw new TranslationException(where + ": unknown field numbers " + message.getUnknownFields().asMap().keySet()
                    + " in " + message.getDescriptorForType().getFullName()
                    + " (expected: only fields of the Envoy v3 API this proxy was built with)");
        }
    }

    /** Unpacks a typed config of the expected class, or says which type it was. */
    static <T extends Message> T unpack(Any any, Class<T> type, String where) throws TranslationException {
        if (!any.is(type)) {
            throw new TranslationException(where + ": typed_config of type " + any.getTypeUrl() + " (expected: "
                    + typeUrl(type) + ")");
        }
        try {
            return any.unpack(type);
        } catch (InvalidProtocolBufferException e) {
            throw new TranslationException(where + ": typed_config of type " + any.getTypeUrl()
                    + " cannot be decoded: " + e.getMessage());
        }
    }

    static String typeUrl(Class<? extends Message> type) {
        return "type.googleapis.com/" + com.google.protobuf.Internal.getDefaultInstance(type)
                .getDescriptorForType().getFullName();
    }

    /** An enum constant as the protobuf field it stands for, e.g. {@code SCOPED_ROUTES} as {@code scoped_routes}. */
    static String lower(Enum<?> value) {
        return value.name().toLowerCase(java.util.Locale.ROOT);
    }

    /** Compiles a regular expression at translation time so that a bad one is rejected, never met per request. */
    static Pattern compile(String regex, int flags, String where) throws TranslationException {
        try {
            return Pattern.compile(regex, flags);
        } catch (PatternSyntaxException e) {
            throw new TranslationException(where + ": '" + regex + "' is not a valid regular expression: "
                    + e.getDescription() + " near index " + e.getIndex());
        }
    }

    /** Runs a record constructor whose own checks may still refuse the value, turning its message into a rejection. */
    static <T> T build(String where, java.util.function.Supplier<T> constructor) throws TranslationException {
        try {
            return constructor.get();
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new TranslationException(where + ": " + e.getMessage());
        }
    }
}
