/**
 * pipc's measurements recorded with Micrometer. Used only when Micrometer is on the classpath.
 */
@NullMarked
package io.pipc.boot.metrics;

import org.jspecify.annotations.NullMarked;
