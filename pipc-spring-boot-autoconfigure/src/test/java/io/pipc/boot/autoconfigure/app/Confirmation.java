package io.pipc.boot.autoconfigure.app;

/**
 * A reply of the test applications, written as JSON.
 *
 * @param item what was ordered
 * @param accepted whether it was accepted
 */
public record Confirmation(String item, boolean accepted) {
}
