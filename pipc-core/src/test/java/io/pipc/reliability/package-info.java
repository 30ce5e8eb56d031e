/**
 * The reliability harness of {@code docs/reliability.md}: measurements of what pipc promises
 * under faults and hostile input (integrity, a peer killed or frozen, slow connections), run by
 * hand with the command that document gives, not by {@code mvn verify}.
 */
@NullMarked
package io.pipc.reliability;

import org.jspecify.annotations.NullMarked;
