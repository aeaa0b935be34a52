package dev.skiff.controlplane.meshconfig;

import java.util.List;

/** A mesh config that cannot be used: every problem, each naming the file and the field. */
public final class MeshConfigException extends Exception {
    private final List<String> problems;

    public MeshConfigException(List<String> problems) {
        super(String.join("\n", problems));
        this.problems = List.copyOf(problems);
    }

    /** {@code <file>: <field.path>: <what is wrong>}, one per problem. */
    public List<String> problems() {
        return problems;
    }
}
