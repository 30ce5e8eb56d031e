/**
 * JMH benchmarks: each pipc transport against the raw JDK doing the same work, in the same
 * run, so that results are read as ratios. Run with
 * {@code java -jar pipc-benchmarks/target/pipc-benchmarks.jar}.
 */
@NullMarked
package io.pipc.benchmarks;

import org.jspecify.annotations.NullMarked;
