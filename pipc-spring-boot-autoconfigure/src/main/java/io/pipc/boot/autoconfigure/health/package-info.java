/**
 * Auto-configuration of pipc's health contributor, active only with Spring Boot's health
 * support on the classpath.
 */
@NullMarked
package io.pipc.boot.autoconfigure.health;

import org.jspecify.annotations.NullMarked;
