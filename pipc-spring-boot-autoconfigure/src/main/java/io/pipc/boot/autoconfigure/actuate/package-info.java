/**
 * Auto-configuration of what pipc adds to the actuator's endpoints, active only with
 * {@code spring-boot-actuator} on the classpath.
 */
@NullMarked
package io.pipc.boot.autoconfigure.actuate;

import org.jspecify.annotations.NullMarked;
