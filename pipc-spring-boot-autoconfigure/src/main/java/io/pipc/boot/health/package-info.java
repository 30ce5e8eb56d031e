/**
 * Health indicators for pipc's pipes and servers, for Spring Boot's health endpoint. Used only
 * when {@code spring-boot-health} is on the classpath.
 */
@NullMarked
package io.pipc.boot.health;

import org.jspecify.annotations.NullMarked;
