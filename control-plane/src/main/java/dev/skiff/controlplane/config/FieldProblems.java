package dev.skiff.controlplane.config;

import java.util.ArrayList;
import java.util.List;

/** Collects problems found in one document, each with the path of the field it concerns. */
final class FieldProblems {
    record Problem(String path, String message) {
    }

    private final List<Problem> problems = new ArrayList<>();

    void add(String path, String message) {
        problems.add(new Problem(path, message));
    }

    boolean isEmpty() {
        return problems.isEmpty();
    }

    int size() {
        return problems.size();
    }

    List<Problem> list() {
        return List.copyOf(problems);
    }
}
