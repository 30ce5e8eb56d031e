/**
 * What tests of several packages share that is not a fixture of one transport: capturing log lines.
 */
@NullMarked
package io.pipc.testing;

import org.jspecify.annotations.NullMarked;
