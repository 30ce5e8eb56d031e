package io.pipc.boot.actuate;

import java.util.Locale;

import org.springframework.boot.actuate.endpoint.SanitizableData;
import org.springframework.boot.actuate.endpoint.SanitizingFunction;

/**
 * Masks the shared secrets of pipc's pipes and servers ({@code pipc.pipes.<name>.secret},
 * {@code pipc.servers.<name>.secret}) in the actuator's {@code configprops} and {@code env}
 * endpoints, even when {@code management.endpoint.*.show-values} is {@code always}: Boot masks
 * by key only through {@link SanitizingFunction}s, and without one a secret would be shown in
 * clear to whoever may read those endpoints.
 *
 * <p>Keys are recognised in every form they reach the endpoints in: as configured
 * ({@code pipc.pipes.orders.secret}), with the map key in brackets
 * ({@code pipc.pipes[orders].secret}), or as an environment variable
 * ({@code PIPC_PIPES_ORDERS_SECRET}). Every other value is left to the next function.
 */
public final class PipcSecretsSanitizingFunction implements SanitizingFunction {

    @Override
    public SanitizableData apply(SanitizableData data) {
        return isPipcSecret(data.getKey()) ? data.withSanitizedValue() : data;
    }

    /**
     * @param key a property key as an endpoint shows it
     * @return whether it is the secret of a pipc pipe or server
     */
    static boolean isPipcSecret(String key) {
        String name = key.toLowerCase(Locale.ROOT).replace('_', '.').replace('[', '.').replace("]", "");
        return (name.startsWith("pipc.pipes.") || name.startsWith("pipc.servers.")) && name.endsWith(".secret");
    }
}
