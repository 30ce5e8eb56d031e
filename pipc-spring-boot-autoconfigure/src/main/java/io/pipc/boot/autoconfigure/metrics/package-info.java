/**
 * Auto-configuration of pipc's Micrometer meters, active only with Micrometer on the classpath.
 */
@NullMarked
package io.pipc.boot.autoconfigure.metrics;

import org.jspecify.annotations.NullMarked;
