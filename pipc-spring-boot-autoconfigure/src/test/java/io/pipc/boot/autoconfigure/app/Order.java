package io.pipc.boot.autoconfigure.app;

/**
 * A request of the test applications, read from JSON.
 *
 * @param item what is ordered
 * @param quantity how many
 */
public record Order(String item, int quantity) {
}
