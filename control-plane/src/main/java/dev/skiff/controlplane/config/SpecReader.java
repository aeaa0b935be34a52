package dev.skiff.controlplane.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumDescriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.OneofDescriptor;
import com.google.protobuf.Message;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * Reads a YAML/JSON tree into a protobuf message by walking the message's descriptor, so that every problem names
 * the field it concerns ({@code spec.http[0].route[0].weight: expected an integer, got "abc"}). Fields may be
 * written with their JSON (camelCase) or proto (snake_case) names. {@code google.protobuf.Duration} takes Go
 * duration strings; wrapper types take plain scalars; a {@code null} value leaves a field unset.
 */
final class SpecReader {
    private static final BigInteger INT32_MIN = BigInteger.valueOf(Integer.MIN_VALUE);
    private static final BigInteger INT32_MAX = BigInteger.valueOf(Integer.MAX_VALUE);
    private static final BigInteger UINT32_MAX = BigInteger.valueOf(0xFFFF_FFFFL);
    private static final BigInteger INT64_MIN = BigInteger.valueOf(Long.MIN_VALUE);
    private static final BigInteger INT64_MAX = BigInteger.valueOf(Long.MAX_VALUE);
    private static final BigInteger UINT64_MAX = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);
    private static final long MAX_DURATION_SECONDS = 315_576_000_000L;

    private static final Map<Descriptor, Map<String, FieldDescriptor>> FIELDS_BY_NAME = new ConcurrentHashMap<>();

    private final FieldProblems problems;

    SpecReader(FieldProblems problems) {
        this.problems = problems;
    }

    /** Reads {@code node} into a new message of {@code prototype}'s type; problems go to the collector. */
    Message read(JsonNode node, Message prototype, String path) {
        Message.Builder builder = prototype.newBuilderForType();
        readMessage(node, builder, path);
        return builder.build();
    }

    private void readMessage(JsonNode node, Message.Builder builder, String path) {
        Descriptor descriptor = builder.getDescriptorForType();
        if (readWellKnown(node, builder, path)) {
            return;
        }
        if (!node.isObject()) {
            problems.add(path, "expected an object, got " + describe(node));
            return;
        }
        Map<String, FieldDescriptor> byName = fieldsByName(descriptor);
        Map<FieldDescriptor, String> writtenAs = new HashMap<>();
        Map<OneofDescriptor, String> oneofMember = new HashMap<>();
        for (Map.Entry<String, JsonNode> entry : node.properties()) {
            String name = entry.getKey();
            JsonNode value = entry.getValue();
            String fieldPath = path + "." + name;
            FieldDescriptor field = byName.get(name);
            if (field == null) {
                problems.add(fieldPath, unknownField(name, descriptor));
                continue;
            }
            String earlier = writtenAs.putIfAbsent(field, name);
            if (earlier != null) {
                problems.add(fieldPath, "set twice, as " + earlier + " and as " + name);
                continue;
            }
            if (value.isNull()) {
                continue;
            }
            OneofDescriptor oneof = field.getRealContainingOneof();
            if (oneof != null) {
                String other = oneofMember.putIfAbsent(oneof, name);
                if (other != null) {
                    problems.add(path, other + " and " + name + " are both set (expected: only one of "
                            + oneof.getFields().stream().map(FieldDescriptor::getJsonName)
                                    .collect(Collectors.joining(", ")) + ")");
                    continue;
                }
            }
            readField(value, builder, field, fieldPath);
        }
    }

    private void readField(JsonNode value, Message.Builder builder, FieldDescriptor field, String path) {
        if (field.isMapField()) {
            readMap(value, builder, field, path);
        } else if (field.isRepeated()) {
            if (!value.isArray()) {
                problems.add(path, "expected a list, got " + describe(value));
                return;
            }
            for (int i = 0; i < value.size(); i++) {
                Object element = readSingle(value.get(i), builder, field, path + "[" + i + "]");
                if (element != null) {
                    builder.addRepeatedField(field, element);
                }
            }
        } else {
            Object single = readSingle(value, builder, field, path);
            if (single != null) {
                builder.setField(field, single);
            }
        }
    }

    private void readMap(JsonNode value, Message.Builder builder, FieldDescriptor field, String path) {
        if (!value.isObject()) {
            problems.add(path, "expected a map, got " + describe(value));
            return;
        }
        Descriptor entryType = field.getMessageType();
        FieldDescriptor keyField = entryType.findFieldByNumber(1);
        FieldDescriptor valueField = entryType.findFieldByNumber(2);
        for (Map.Entry<String, JsonNode> entry : value.properties()) {
            String entryPath = path + "[" + entry.getKey() + "]";
            Object key = mapKey(entry.getKey(), keyField, entryPath);
            if (key == null) {
                continue;
            }
            Message.Builder entryBuilder = builder.newBuilderForField(field);
            Object mapValue = readSingle(entry.getValue(), entryBuilder, valueField, entryPath);
            if (mapValue == null) {
                continue;
            }
            entryBuilder.setField(keyField, key);
            entryBuilder.setField(valueField, mapValue);
            builder.addRepeatedField(field, entryBuilder.build());
        }
    }

    private Object mapKey(String key, FieldDescriptor keyField, String path) {
        return switch (keyField.getJavaType()) {
            case STRING -> key;
            case BOOLEAN -> switch (key) {
                case "true" -> Boolean.TRUE;
                case "false" -> Boolean.FALSE;
                default -> {
                    problems.add(path, "map key must be true or false");
                    yield null;
                }
            };
            default -> {
                try {
                    yield integral(new BigInteger(key), keyField, path);
                } catch (NumberFormatException e) {
                    problems.add(path, "map key must be an integer");
                    yield null;
                }
            }
        };
    }

    /** One value of a singular field, a list element or a map value; {@code null} after reporting a problem. */
    private Object readSingle(JsonNode node, Message.Builder parent, FieldDescriptor field, String path) {
        if (node == null || node.isNull()) {
            problems.add(path, "expected " + expectation(field) + ", got null");
            return null;
        }
        return switch (field.getJavaType()) {
            case MESSAGE -> {
                Message.Builder child = parent.newBuilderForField(field);
                int before = problems.size();
                readMessage(node, child, path);
                yield problems.size() == before ? child.build() : null;
            }
            case ENUM -> readEnum(node, field.getEnumType(), path);
            default -> readScalar(node, field, path);
        };
    }

    private Object readScalar(JsonNode node, FieldDescriptor field, String path) {
        switch (field.getJavaType()) {
            case STRING -> {
                if (!node.isTextual()) {
                    problems.add(path, "expected a string, got " + describe(node)
                            + (node.isNumber() || node.isBoolean() ? " (quote it in YAML)" : ""));
                    return null;
                }
                return node.textValue();
            }
            case BOOLEAN -> {
                if (!node.isBoolean()) {
                    problems.add(path, "expected true or false, got " + describe(node));
                    return null;
                }
                return node.booleanValue();
            }
            case FLOAT, DOUBLE -> {
                if (!node.isNumber()) {
                    problems.add(path, "expected a number, got " + describe(node));
                    return null;
                }
                double number = node.doubleValue();
                if (field.getJavaType() == FieldDescriptor.JavaType.FLOAT) {
                    if (Float.isInfinite((float) number)) {
                        problems.add(path, describe(node) + " is out of range (expected: a 32-bit float)");
                        return null;
                    }
                    return (float) number;
                }
                return number;
            }
            case BYTE_STRING -> {
                if (!node.isTextual()) {
                    problems.add(path, "expected a base64 string, got " + describe(node));
                    return null;
                }
                try {
                    return ByteString.copyFrom(Base64.getDecoder().decode(node.textValue()));
                } catch (IllegalArgumentException e) {
                    problems.add(path, "expected a base64 string, got " + describe(node));
                    return null;
                }
            }
            default -> {
                BigInteger integer = integerValue(node, field);
                if (integer == null) {
                    problems.add(path, "expected " + expectation(field) + ", got " + describe(node));
                    return null;
                }
                return integral(integer, field, path);
            }
        }
    }

    /** The integer a node holds, or {@code null}; 64-bit fields also take decimal strings, as in protobuf JSON. */
    private static BigInteger integerValue(JsonNode node, FieldDescriptor field) {
        if (node.isIntegralNumber()) {
            return node.bigIntegerValue();
        }
        if (node.isFloatingPointNumber()) {
            BigDecimal decimal = node.decimalValue();
            try {
                return decimal.stripTrailingZeros().toBigIntegerExact();
            } catch (ArithmeticException e) {
                return null;
            }
        }
        boolean sixtyFourBits = field.getJavaType() == FieldDescriptor.JavaType.LONG;
        if (sixtyFourBits && node.isTextual() && node.textValue().matches("-?[0-9]{1,20}")) {
            return new BigInteger(node.textValue());
        }
        return null;
    }

    private Object integral(BigInteger value, FieldDescriptor field, String path) {
        boolean unsigned = isUnsigned(field);
        boolean sixtyFour = field.getJavaType() == FieldDescriptor.JavaType.LONG;
        BigInteger min = unsigned ? BigInteger.ZERO : sixtyFour ? INT64_MIN : INT32_MIN;
        BigInteger max = unsigned ? (sixtyFour ? UINT64_MAX : UINT32_MAX) : sixtyFour ? INT64_MAX : INT32_MAX;
        if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
            problems.add(path, value + " is out of range (expected: an integer from " + min + " to " + max + ")");
            return null;
        }
        return sixtyFour ? (Object) value.longValue() : (Object) value.intValue();
    }

    private static boolean isUnsigned(FieldDescriptor field) {
        return switch (field.getType()) {
            case UINT32, FIXED32, UINT64, FIXED64 -> true;
            default -> false;
        };
    }

    private EnumValueDescriptor readEnum(JsonNode node, EnumDescriptor type, String path) {
        EnumValueDescriptor value = node.isTextual() ? type.findValueByName(node.textValue()) : null;
        if (value == null) {
            problems.add(path, (node.isTextual() ? "unknown value " : "expected a name, got ") + describe(node)
                    + " (expected one of: " + enumNames(type) + ")");
        }
        return value;
    }

    private static String enumNames(EnumDescriptor type) {
        return type.getValues().stream().map(EnumValueDescriptor::getName).collect(Collectors.joining(", "));
    }

    /** Duration and the wrapper types, written as scalars; false for every other message type. */
    private boolean readWellKnown(JsonNode node, Message.Builder builder, String path) {
        Descriptor descriptor = builder.getDescriptorForType();
        String fullName = descriptor.getFullName();
        if (fullName.equals("google.protobuf.Duration")) {
            if (!node.isTextual()) {
                problems.add(path, "expected a duration such as \"1.5s\", \"100ms\" or \"1m\", got " + describe(node));
                return true;
            }
            try {
                Duration duration = GoDuration.parse(node.textValue());
                if (Math.abs(duration.getSeconds()) > MAX_DURATION_SECONDS) {
                    problems.add(path, describe(node) + " is out of range (expected: at most 10000 years)");
                    return true;
                }
                builder.setField(descriptor.findFieldByName("seconds"), duration.getSeconds());
                int nanos = duration.getNano();
                long seconds = duration.getSeconds();
                if (seconds < 0 && nanos > 0) {
                    builder.setField(descriptor.findFieldByName("seconds"), seconds + 1);
                    nanos -= 1_000_000_000;
                }
                builder.setField(descriptor.findFieldByName("nanos"), nanos);
            } catch (IllegalArgumentException e) {
                problems.add(path, e.getMessage());
            }
            return true;
        }
        if (fullName.startsWith("google.protobuf.") && fullName.endsWith("Value")
                && descriptor.getFields().size() == 1 && descriptor.getFields().getFirst().getName().equals("value")) {
            FieldDescriptor valueField = descriptor.getFields().getFirst();
            Object value = readSingle(node, builder, valueField, path);
            if (value != null) {
                builder.setField(valueField, value);
            }
            return true;
        }
        return false;
    }

    private static String expectation(FieldDescriptor field) {
        return switch (field.getJavaType()) {
            case INT, LONG -> isUnsigned(field) ? "a non-negative integer" : "an integer";
            case FLOAT, DOUBLE -> "a number";
            case BOOLEAN -> "true or false";
            case STRING -> "a string";
            case BYTE_STRING -> "a base64 string";
            case ENUM -> "one of: " + enumNames(field.getEnumType());
            case MESSAGE -> "a value";
        };
    }

    /** A node as it appears in messages: strings quoted, numbers and booleans as written, containers by shape. */
    static String describe(JsonNode node) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            return "null";
        }
        if (node.isTextual()) {
            return "\"" + node.textValue() + "\"";
        }
        if (node.isObject()) {
            return "an object";
        }
        if (node.isArray()) {
            return "a list";
        }
        return node.asText();
    }

    private static String unknownField(String name, Descriptor descriptor) {
        List<String> known = descriptor.getFields().stream().map(FieldDescriptor::getJsonName).toList();
        String closest = null;
        int best = Integer.MAX_VALUE;
        for (String candidate : known) {
            int distance = editDistance(name.toLowerCase(), candidate.toLowerCase());
            if (distance < best) {
                best = distance;
                closest = candidate;
            }
        }
        if (closest != null && best <= Math.max(1, Math.min(2, name.length() / 3))) {
            return "unknown field (did you mean " + closest + "?)";
        }
        return "unknown field (expected one of: " + String.join(", ", known) + ")";
    }

    private static int editDistance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j] + 1, current[j - 1] + 1));
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }

    private static Map<String, FieldDescriptor> fieldsByName(Descriptor descriptor) {
        return FIELDS_BY_NAME.computeIfAbsent(descriptor, d -> {
            Map<String, FieldDescriptor> names = new LinkedHashMap<>();
            for (FieldDescriptor field : d.getFields()) {
                names.put(field.getJsonName(), field);
                names.put(field.getName(), field);
            }
            return Map.copyOf(names);
        });
    }
}
