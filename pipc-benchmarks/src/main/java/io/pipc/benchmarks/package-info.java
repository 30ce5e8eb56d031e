/**
 * Benchmarks of pipc next to what a user would pick instead, in the same run, so that results
 * are read as ratios: each transport against the raw JDK doing the same work (the floor), the
 * JDK's queues and JeroMQ ({@link io.pipc.benchmarks.JeroMqBenchmark}), the starter against
 * Spring Integration's TCP adapters ({@link io.pipc.benchmarks.SpringTcpBenchmark}), and
 * servers under many clients ({@link io.pipc.benchmarks.FanIn}, a standalone run). Run all of it
 * with {@code python3 pipc-benchmarks/report.py run}, which also writes
 * {@code docs/benchmarks.md}; or pick with {@code java -jar pipc-benchmarks/target/pipc-benchmarks.jar REGEX}.
 */
@NullMarked
package io.pipc.benchmarks;

import org.jspecify.annotations.NullMarked;
