package io.pipc.testing;

import java.util.List;

/**
 * Teardown that closes everything a test opened and lets no failure pass unseen: a close that
 * throws (pipes and servers promise an idempotent, quiet close) fails the test, after the rest
 * has been closed too.
 */
public final class CloseAll {

    private CloseAll() {
    }

    /**
     * @param resources what to close, in order
     * @throws Exception the first failure, with the later ones suppressed
     */
    public static void of(List<? extends AutoCloseable> resources) throws Exception {
        Exception first = null;
        for (AutoCloseable resource : resources) {
            try {
                resource.close();
            } catch (Exception e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
