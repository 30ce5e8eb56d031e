/**
 * What pipc adds to Spring Boot's actuator endpoints: the masking of pipc's secrets. Used only
 * when {@code spring-boot-actuator} is on the classpath.
 */
@NullMarked
package io.pipc.boot.actuate;

import org.jspecify.annotations.NullMarked;
