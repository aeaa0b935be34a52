package dev.skiff.proxy.authn;

import java.util.List;
import java.util.Objects;

/** Envoy's {@code JwtRequirement}: which tokens a request must (or may) carry. */
public sealed interface JwtRequirement {

    /** Whether a request that carries no token at all meets the requirement. */
    boolean allowsMissing();

    /**
     * A valid token of this provider.
     *
     * @param audiences accepted audiences replacing the provider's; null: the provider's
     */
    record Provider(String name, List<String> audiences) implements JwtRequirement {
        public Provider {
            Objects.requireNonNull(name, "name");
            audiences = audiences == null ? null : List.copyOf(audiences);
        }

        @Override
        public boolean allowsMissing() {
            return false;
        }
    }

    /** At least one of the requirements. */
    record RequiresAny(List<JwtRequirement> requirements) implements JwtRequirement {
        public RequiresAny {
            requirements = List.copyOf(requirements);
        }

        @Override
        public boolean allowsMissing() {
            for (int i = 0; i < requirements.size(); i++) {
                if (requirements.get(i).allowsMissing()) {
                    return true;
                }
            }
            return false;
        }
    }

    /** Every one of the requirements. */
    record RequiresAll(List<JwtRequirement> requirements) implements JwtRequirement {
        public RequiresAll {
            requirements = List.copyOf(requirements);
        }

        @Override
        public boolean allowsMissing() {
            for (int i = 0; i < requirements.size(); i++) {
                if (!requirements.get(i).allowsMissing()) {
                    return false;
                }
            }
            return true;
        }
    }

    /** No token at all, or tokens of which one verifies; an invalid token fails. */
    record AllowMissing() implements JwtRequirement {
        @Override
        public boolean allowsMissing() {
            return true;
        }
    }

    /** Anything: tokens are verified (for their payload) but never fail the request. */
    record AllowMissingOrFailed() implements JwtRequirement {
        @Override
        public boolean allowsMissing() {
            return true;
        }
    }
}
