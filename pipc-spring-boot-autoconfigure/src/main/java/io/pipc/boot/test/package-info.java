/**
 * Testing an application's flows without their peers, in the manner of Boot's test slices:
 * {@link io.pipc.boot.test.AutoConfigurePipcTest} on a {@code @SpringBootTest} opens every
 * configured pipe in-process, so that the test plays its peer through
 * {@code PipeRegistry.inProcessPeer(name)}, and has every TCP server listen on a free port.
 */
@NullMarked
package io.pipc.boot.test;

import org.jspecify.annotations.NullMarked;
