package dev.skiff.controlplane.ca;

/** A bootstrap token that does not authenticate its bearer, with the reason in the message. */
public final class TokenException extends Exception {
    public TokenException(String message) {
        super(message);
    }
}
