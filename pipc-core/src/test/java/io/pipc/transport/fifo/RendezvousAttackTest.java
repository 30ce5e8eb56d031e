package io.pipc.transport.fifo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import io.pipc.PipeException;
import io.pipc.PipeOptions;
import io.pipc.PipeTimeoutException;
import io.pipc.Pipes;
import io.pipc.posix.FileStatus;
import io.pipc.posix.Posix;
import io.pipc.posix.PosixException;
import io.pipc.posix.PrivateDirectory;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.TestReporter;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import jnr.posix.POSIXFactory;

/**
 * A process of this user that races the rendezvous in its private directory (issue 9, part 2):
 * while two threads meet on one name round after round, an attacker thread keeps putting
 * symbolic links, hard links to files outside the directory, regular files and FIFOs at the
 * four paths of that name. Whatever it does, pipc changes nothing outside the directory, every
 * failure is a clear refusal, and it removes nothing the attacker put where pipc had nothing.
 *
 * <p>Two attacks, each under the umask 022 and under 0277 (which clears bits of the 0600 pipc
 * asks for, so that pipc sets the mode after creating):
 * <ul>
 * <li>{@link Attack#PLANT} only creates where the path is free ({@code link(2)} fails on an
 * existing name), like a stale or foreign file that is simply there. Each such entry must
 * still be there when the attacker takes it away: pipc refuses all of them, and removes a name
 * only while it names the file pipc checked.</li>
 * <li>{@link Attack#SWAP} replaces what pipc has just made ({@code rename(2)} over it), as in
 * the attack that found a {@code chmod} through a swapped-in link. The decoys must not change;
 * that pipc never removes such a swapped-in entry cannot be promised (a replacement between
 * pipc's check and its {@code unlink} is the window {@link Posix#unlinkIfSame} describes),
 * so those are not counted.</li>
 * </ul>
 *
 * <p>The test changes the process umask with jnr-posix for the length of one run and restores
 * it; pipc itself never calls {@code umask}.
 */
@Timeout(60)
class RendezvousAttackTest {

    private static final String NAME = "jobs";
    /** Rendezvous per run: the four runs make 10,000, 5,000 under each attack and under each umask. */
    private static final int ROUNDS = 2_500;
    /** How long after a round starts the attacker places its entry, at most, in yields. */
    private static final int DELAY = 200;

    private final Posix posix = Posix.system();
    private final ExecutorService threads = Executors.newCachedThreadPool();

    /** The private directory. */
    @TempDir
    Path dir;

    /** Outside the private directory, on the same file system (hard links need that): decoys and the attacker's workbench. */
    @TempDir
    Path elsewhere;

    @AfterEach
    void stopThreads() throws InterruptedException {
        threads.shutdownNow();
        assertThat(threads.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    enum Attack {
        PLANT,
        SWAP
    }

    /** What the attacker puts at a path. None of them is what pipc makes, so each must be refused. */
    enum Kind {
        SYMLINK_TO_FILE,
        SYMLINK_TO_DIRECTORY,
        HARD_LINK_TO_FILE,
        HARD_LINK_TO_EMPTY_FILE,
        HARD_LINK_TO_FIFO,
        REGULAR_FILE,
        FIFO_OPEN_TO_OTHERS
    }

    @ParameterizedTest(name = "{0} under umask {1}")
    @CsvSource({"PLANT, 022", "PLANT, 0277", "SWAP, 022", "SWAP, 0277"})
    void aRacingProcessOfThisUserGetsNothingOutsideTheDirectoryChangedAndEveryRefusalIsClear(Attack attack,
            String umask, TestReporter reporter) throws Exception {
        RendezvousFiles files = RendezvousFiles.of(NAME, PrivateDirectory.open(dir, posix));
        Decoys decoys = new Decoys(Files.createDirectory(elsewhere.resolve("decoys")));
        String before = decoys.fingerprint();
        Attacker attacker = new Attacker(attack, files, Files.createDirectory(elsewhere.resolve("bench")), decoys);

        Tally tally;
        int previous = POSIXFactory.getNativePOSIX().umask(Integer.parseInt(umask, 8));
        try {
            Future<Void> attacking = threads.submit(attacker);
            try {
                tally = meet(files, attacker);
            } finally {
                attacker.stop = true;
            }
            attacking.get(10, TimeUnit.SECONDS);
        } finally {
            POSIXFactory.getNativePOSIX().umask(previous);
        }

        reporter.publishEntry(Map.of("paired", Integer.toString(tally.paired), "refused", Integer.toString(tally.refused),
                "placed", Integer.toString(attacker.placed),
                "swapped in, then removed by pipc", attacker.swappedInAndRemoved.toString()));
        assertThat(decoys.fingerprint()).as("the decoys outside the directory").isEqualTo(before);
        assertThat(tally.unclear).as("rounds that failed otherwise than by a clear refusal").isEmpty();
        assertThat(attacker.removedByOthers).as("entries planted where pipc had nothing, then gone").isEmpty();
        try (Stream<Path> left = Files.list(dir)) {
            assertThat(left).as("left in the directory once the attacker took its entries away").isEmpty();
        }
        // The attack bit, and pipc kept pairing through it (runs here gave at least six times these floors).
        assertThat(attacker.placed).as("entries the attacker placed").isGreaterThanOrEqualTo(10);
        assertThat(tally.refused).as("rendezvous refused").isGreaterThanOrEqualTo(25);
        assertThat(tally.paired).as("rendezvous that paired").isGreaterThanOrEqualTo(25);
    }

    /**
     * Two threads meet on the name, {@link #ROUNDS} times. When one is refused, the other is
     * interrupted rather than left to wait for a peer that is gone. A side that fails otherwise
     * (its peer closed the FIFOs when the attacker had taken their names) is not a reason: the
     * other side, left alone, must give one.
     */
    private Tally meet(RendezvousFiles files, Attacker attacker) throws Exception {
        PipeOptions options = PipeOptions.builder().directory(dir).connectTimeout(Duration.ofSeconds(10)).build();
        Tally tally = new Tally(files);
        for (int round = 0; round < ROUNDS; round++) {
            BlockingQueue<Participant> finished = new LinkedBlockingQueue<>();
            Participant one = new Participant(options, finished);
            Participant two = new Participant(options, finished);
            threads.submit(one);
            threads.submit(two);
            attacker.rounds.release();
            Participant first = finished.poll(30, TimeUnit.SECONDS);
            assertThat(first).as("round %d: a participant that finished", round).isNotNull();
            if (tally.isClearRefusal(first.failure)) {
                (first == one ? two : one).cancel();
            }
            Participant second = finished.poll(30, TimeUnit.SECONDS);
            assertThat(second).as("round %d: the other participant, interrupted", round).isNotNull();
            tally.add(first, second);
        }
        return tally;
    }

    /** One call of {@code Pipes.named}; its pipe is closed at once, its failure kept. */
    private static final class Participant implements Runnable {
        private final PipeOptions options;
        private final BlockingQueue<Participant> finished;
        private @Nullable Thread thread;
        private boolean cancelled;
        private boolean done;
        volatile boolean paired;
        volatile @Nullable RuntimeException failure;

        Participant(PipeOptions options, BlockingQueue<Participant> finished) {
            this.options = options;
            this.finished = finished;
        }

        @Override
        public void run() {
            try {
                synchronized (this) {
                    thread = Thread.currentThread();
                    if (cancelled) {
                        return;
                    }
                }
                Pipes.named(NAME, options).close();
                paired = true;
            } catch (RuntimeException e) {
                failure = e;
            } finally {
                synchronized (this) {
                    done = true;
                    Thread.interrupted(); // a cancel that came late must not reach the pool's next task
                }
                finished.add(this);
            }
        }

        /** The peer failed: stop waiting for it. */
        synchronized void cancel() {
            cancelled = true;
            if (!done && thread != null) {
                thread.interrupt();
            }
        }
    }

    /** What the rounds came to. */
    private static final class Tally {
        private final List<Path> paths;
        final List<String> unclear = new ArrayList<>();
        int paired;
        int refused;

        Tally(RendezvousFiles files) {
            paths = List.of(files.creatorLock(), files.openerLock(), files.toCreator(), files.toOpener());
        }

        /**
         * A round that did not pair must have been refused clearly by at least one side, and
         * nothing may have failed but with a {@link PipeException}. The other side's failure may
         * follow from the first (its peer closed the FIFOs, or the test interrupted it), and the
         * two reach the queue in either order.
         */
        void add(Participant first, Participant second) {
            if (first.paired && second.paired) {
                paired++;
                return;
            }
            List<RuntimeException> failures = Stream.of(first.failure, second.failure).filter(f -> f != null).toList();
            for (RuntimeException failure : failures) {
                if (!(failure instanceof PipeException) || failure instanceof PipeTimeoutException) {
                    unclear.add(failure.toString());
                }
            }
            if (failures.stream().anyMatch(this::isClearRefusal)) {
                refused++;
            } else {
                unclear.add("a round failed without a clear refusal: " + failures);
            }
        }

        /** Whether it says which of the name's paths it refused and why, or that one vanished. */
        boolean isClearRefusal(@Nullable RuntimeException failure) {
            String message = failure == null ? "" : String.valueOf(failure.getMessage());
            return failure instanceof PipeException && message.startsWith("named pipe '" + NAME + "': ")
                    && paths.stream().anyMatch(path -> message.contains("refusing " + path + ": ")
                            || message.contains(path + " vanished "));
        }
    }

    /** Files and a directory outside the private directory, which nothing that pipc does may change. */
    private static final class Decoys {
        final Path file;
        final Path empty;
        final Path fifo;
        final Path directory;

        Decoys(Path home) throws IOException {
            file = Files.writeString(home.resolve("precious"), "precious");
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
            // Empty like a lock file, so that only its second name tells it from one.
            empty = Files.createFile(home.resolve("empty"));
            Files.setPosixFilePermissions(empty, PosixFilePermissions.fromString("rw-r-----"));
            // A FIFO of ours with mode 0600, like pipc's own, so that only its second name tells it from one.
            fifo = home.resolve("fifo");
            mkfifo(Posix.system(), fifo, "rw-------");
            directory = Files.createDirectory(home.resolve("directory"));
            Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwxr-xr-x"));
            Files.writeString(directory.resolve("inside"), "precious");
        }

        /** Mode and content of each, and the directory's listing (not times or link counts: the attacker's links change those). */
        String fingerprint() throws IOException {
            StringBuilder out = new StringBuilder();
            for (Path path : List.of(file, empty, fifo, directory, directory.resolve("inside"))) {
                out.append(path).append(' ').append(PosixFilePermissions.toString(Files.getPosixFilePermissions(path,
                        LinkOption.NOFOLLOW_LINKS)));
                if (Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS)) {
                    out.append(" content=").append(Files.readString(path));
                }
                out.append('\n');
            }
            try (Stream<Path> entries = Files.list(directory)) {
                out.append("entries=").append(entries.map(Path::toString).sorted().toList());
            }
            return out.toString();
        }
    }

    /**
     * Keeps placing entries at the name's four paths and taking them away again. Every entry is
     * built on the bench first, with its final mode (the umask must not make it look like pipc's),
     * then linked (plant) or renamed (swap) into place.
     */
    private final class Attacker implements Callable<Void> {
        private final Attack attack;
        private final List<Path> paths;
        private final Path bench;
        private final Decoys decoys;
        private final Random random = new Random(9);
        private int made;
        /** A permit per round started. */
        final Semaphore rounds = new Semaphore(0);
        volatile boolean stop;
        final List<String> removedByOthers = new ArrayList<>();
        int placed;
        final List<String> swappedInAndRemoved = new ArrayList<>();

        Attacker(Attack attack, RendezvousFiles files, Path bench, Decoys decoys) {
            this.attack = attack;
            this.paths = List.of(files.creatorLock(), files.openerLock(), files.toCreator(), files.toOpener());
            this.bench = bench;
            this.decoys = decoys;
        }

        @Override
        public Void call() throws Exception {
            Placed there = null;
            while (!stop) {
                // At most one entry, placed in every other round and taken away when the next one starts, so that
                // rounds stay comparable however fast this thread runs; a round it falls behind on is skipped.
                if (!rounds.tryAcquire(10, TimeUnit.MILLISECONDS)) {
                    continue;
                }
                rounds.drainPermits();
                if (there != null) {
                    takeAway(there);
                    there = null;
                }
                if (random.nextBoolean()) {
                    continue;
                }
                // When it strikes varies, so that entries land at every step of a rendezvous.
                pause(random.nextInt(DELAY));
                there = place(paths.get(random.nextInt(paths.size())), Kind.values()[random.nextInt(Kind.values().length)]);
            }
            if (there != null) {
                takeAway(there);
            }
            return null;
        }

        private static void pause(int yields) {
            for (int i = yields; i > 0; i--) {
                Thread.yield();
            }
        }

        /** @return what it placed, or null when the path was taken (plant) or empty (swap) */
        private @Nullable Placed place(Path path, Kind kind) throws IOException {
            if (attack == Attack.SWAP && posix.lstat(path) == null) {
                return null; // nothing of pipc's to replace right now
            }
            Path staged = stage(kind);
            FileStatus status = posix.lstat(staged);
            try {
                if (attack == Attack.PLANT) {
                    Files.createLink(path, staged); // link(2): fails if anything is there, follows no link
                } else {
                    Files.move(staged, path, StandardCopyOption.ATOMIC_MOVE); // rename(2): replaces what is there
                }
            } catch (FileAlreadyExistsException occupied) {
                Files.delete(staged);
                return null;
            }
            Files.deleteIfExists(staged);
            placed++;
            return new Placed(path, kind, status);
        }

        private Path stage(Kind kind) throws IOException {
            Path staged = bench.resolve(Integer.toString(made++));
            switch (kind) {
                case SYMLINK_TO_FILE -> Files.createSymbolicLink(staged, decoys.file);
                case SYMLINK_TO_DIRECTORY -> Files.createSymbolicLink(staged, decoys.directory);
                case HARD_LINK_TO_FILE -> Files.createLink(staged, decoys.file);
                case HARD_LINK_TO_EMPTY_FILE -> Files.createLink(staged, decoys.empty);
                case HARD_LINK_TO_FIFO -> Files.createLink(staged, decoys.fifo);
                case REGULAR_FILE -> {
                    Files.writeString(staged, "planted");
                    Files.setPosixFilePermissions(staged, PosixFilePermissions.fromString("rw-------"));
                }
                case FIFO_OPEN_TO_OTHERS -> mkfifo(posix, staged, "rw-r--r--");
            }
            return staged;
        }

        /** Removes its own entry if it is still there; a planted one that is gone was removed by someone else. */
        private void takeAway(Placed placed) throws IOException {
            FileStatus now = posix.lstat(placed.path());
            // pipc replaces nothing, so the path names this entry until it is removed: by this thread,
            // or (a swapped-in one, in the window Posix.unlinkIfSame describes) by pipc.
            if (now != null && now.isSameFile(placed.status()) && Files.deleteIfExists(placed.path())) {
                return;
            }
            if (attack == Attack.PLANT) {
                removedByOthers.add(placed.kind() + " at " + placed.path() + (now == null ? " is gone" : " was replaced"));
            } else {
                swappedInAndRemoved.add(placed.kind() + " at " + placed.path().getFileName());
            }
        }
    }

    /** An entry the attacker placed, as it was on the bench. */
    private record Placed(Path path, Kind kind, FileStatus status) {
    }

    private static void mkfifo(Posix posix, Path path, String permissions) throws IOException {
        try {
            posix.mkfifo(path, 0600);
        } catch (PosixException e) {
            throw new IOException(e);
        }
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(permissions));
    }
}
