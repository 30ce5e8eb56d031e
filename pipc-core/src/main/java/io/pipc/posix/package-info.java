/**
 * The one place that touches jnr-posix: the handful of POSIX calls the JDK does not offer
 * ({@code mkfifo}, {@code open} with {@code O_NOFOLLOW}/{@code O_NONBLOCK}/{@code O_EXCL},
 * {@code fstat}, {@code fchmod}, {@code flock}, {@code getuid}) behind the small
 * {@link io.pipc.posix.Posix} facade, and the {@link io.pipc.posix.PrivateDirectory} where FIFOs
 * and socket files live (SPEC section 8).
 *
 * <p>Nothing here changes process-wide state: there is no {@code umask} call. Files are created
 * with explicit modes and their modes are verified after creation; where a file can be opened
 * (the private directory, FIFOs, lock files) its mode is set on the descriptor that was checked,
 * never through a path that may name something else by then, and
 * {@link io.pipc.posix.Posix#unlinkIfSame} removes a name only while it still names the file that
 * was checked. On a platform without native
 * POSIX, {@link io.pipc.posix.Posix#system()} still loads, reports itself unavailable, and every
 * call fails with a {@link io.pipc.PipeException} saying so, never with a linkage error from
 * deep inside.
 */
@NullMarked
package io.pipc.posix;

import org.jspecify.annotations.NullMarked;
