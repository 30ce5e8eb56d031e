package io.pipc.transport.unix;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;

import io.pipc.PipeException;
import io.pipc.PipeOptions;
import io.pipc.PipeServer;
import io.pipc.Transport;
import io.pipc.posix.FileStatus;
import io.pipc.posix.Posix;
import io.pipc.transport.socket.Conduit;
import io.pipc.transport.socket.SocketChannels;
import io.pipc.transport.socket.SocketClient;
import io.pipc.transport.socket.SocketPipe;
import io.pipc.transport.socket.SocketServer;

import jdk.net.UnixDomainPrincipal;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens Unix domain socket servers and connects their clients, safely by default:
 * <ul>
 * <li>A bare file name ({@code UnixDomainSocketAddress.of("api.sock")}) is a socket file in the
 * private directory of SPEC section 8, for servers and clients alike; an absolute path is used
 * as given, in a directory that nobody but this user and root can change ({@link SocketDirectory}).</li>
 * <li>A server's socket file is owner-only ({@code 0600}), or {@code 0666} when the options admit
 * other users; a stale file of this user is replaced, a live one or anything else is refused and
 * left untouched; the file is removed on close if it is still the server's ({@link SocketFile}).</li>
 * <li>Both ends check who is at the other end ({@code SO_PEERCRED}) before any byte of pipc:
 * by default only this process's user ({@link PeerPolicy}).</li>
 * </ul>
 */
public final class UnixTransport {

    private static final Logger log = LoggerFactory.getLogger(UnixTransport.class);

    private static final int OWNER_ONLY = 0600;
    private static final int ANY_USER = 0666;

    private UnixTransport() {
    }

    /**
     * Where an address's socket file is: a bare file name resolves in the private directory of
     * {@code options} (which is created or verified), an absolute path stays as it is.
     *
     * @param address a bare file name or an absolute path
     * @param options the private directory's location
     * @return the absolute address
     * @throws PipeException when the address is neither, or the private directory is refused
     */
    public static UnixDomainSocketAddress resolve(UnixDomainSocketAddress address, PipeOptions options) {
        String subject = "Unix socket address '" + address.getPath() + "'";
        return SocketPath.of(address, options, requirePosix(subject), subject).address();
    }

    /**
     * @param address the socket file to create: a bare file name in the private directory, or an absolute path
     * @param options for every client's pipe; {@code allowedPeerUsers} and {@code allowAnyPeerUser} say
     *        which clients are admitted besides this process's user
     * @return the listening server
     * @throws PipeException when the path or its directory is refused, or another server listens there
     */
    public static PipeServer server(UnixDomainSocketAddress address, PipeOptions options) {
        String name = options.name() != null ? options.name() : "unix-server:" + fileName(address);
        String subject = "server '" + name + "'";
        Posix posix = requirePosix(subject);
        PeerPolicy peers = PeerPolicy.of(options, subject);
        SocketPath where = SocketPath.of(address, options, posix, subject);
        if (!where.inPrivateDirectory()) {
            SocketDirectory.verify(SocketPath.directoryOf(where.file()), posix, subject);
        } else if (peers.admitsOthers()) {
            log.warn("{} admits {}, but its socket file {} is in the private directory, which other users cannot enter;"
                    + " give an absolute path in a directory they can reach", subject, peers, where.file());
        }
        ServerSocketChannel listener = null;
        SocketFile file = null;
        try {
            listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            file = SocketFile.bind(listener, where.file(), peers.admitsOthers() ? ANY_USER : OWNER_ONLY, posix, subject);
            SocketServer server = SocketServer.start(name, Transport.UNIX, options, listener,
                    new CredentialCheck(peers, file.owner()), () -> { });
            log.debug("{} listening on {}, admitting {}", subject, where.file(), peers);
            return new UnixServer(server, file);
        } catch (IOException e) {
            abandon(listener, file);
            throw new PipeException(subject + ": cannot listen on " + where.file() + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            abandon(listener, file);
            throw e;
        }
    }

    /**
     * @param address the server's socket file: a bare file name in the private directory, or an absolute path
     * @param options timeouts, secret; {@code allowedPeerUsers} and {@code allowAnyPeerUser} say which
     *        servers are trusted besides those of this process's user
     * @return the connected pipe
     * @throws PipeException when nobody listens there, or the server runs as a user this pipe does not trust
     */
    public static SocketPipe connect(UnixDomainSocketAddress address, PipeOptions options) {
        String name = options.name() != null ? options.name() : "unix:" + fileName(address);
        String subject = "pipe '" + name + "'";
        Posix posix = requirePosix(subject);
        PeerPolicy peers = PeerPolicy.of(options, subject);
        SocketPath where = SocketPath.of(address, options, posix, subject);
        return SocketClient.connect(name, Transport.UNIX, StandardProtocolFamily.UNIX, where.address(), options,
                socket -> new ServerCheckingConduit(SocketClient.plain(socket),
                        connected -> checkServer(connected, where.file(), peers, posix, subject)));
    }

    /** On the event loop, once connected and before the preface: is the server's user one we trust? */
    private static void checkServer(SocketChannel socket, Path file, PeerPolicy peers, Posix posix, String subject)
            throws IOException {
        UserPrincipal server = PeerPolicy.credentials(socket).user();
        UserPrincipal self = ownerIfOurs(file, posix);
        if (!peers.admits(server, self)) {
            String reason = "it runs as user '" + server.getName() + "', and this pipe trusts servers of "
                    + peers.admitted(self) + "; a server of another user may have taken the path. List that user in"
                    + " PipeOptions.allowedPeerUsers, or set allowAnyPeerUser, to trust it";
            log.warn("{}: refusing the server on {}: {}", subject, file, reason);
            throw new PipeException(subject + ": refusing the server on " + file + ": " + reason);
        }
    }

    /**
     * @return this process's user as the JDK names users, taken from the socket file when this
     *         user owns it; null when it does not (then only listed users are trusted)
     */
    private static @Nullable UserPrincipal ownerIfOurs(Path file, Posix posix) throws IOException {
        FileStatus status = posix.lstat(file);
        return status != null && status.owner() == posix.uid() ? Files.getOwner(file, LinkOption.NOFOLLOW_LINKS) : null;
    }

    private static Posix requirePosix(String subject) {
        Posix posix = Posix.system();
        if (!posix.isAvailable()) {
            throw new PipeException(subject + ": Unix socket pipes need POSIX file checks, which are not available on"
                    + " this platform (" + posix.unavailableReason() + "); use TCP instead");
        }
        return posix;
    }

    private static String fileName(UnixDomainSocketAddress address) {
        Path fileName = address.getPath().getFileName();
        return fileName != null ? fileName.toString() : address.getPath().toString();
    }

    private static void abandon(@Nullable ServerSocketChannel listener, @Nullable SocketFile file) {
        if (file != null) {
            file.remove();
        }
        SocketChannels.closeQuietly(listener);
    }

    /** A server's admission of each client: the client's user, from the kernel, before any byte. */
    private static final class CredentialCheck implements SocketServer.Admission {

        private final PeerPolicy peers;
        private final UserPrincipal self;

        CredentialCheck(PeerPolicy peers, UserPrincipal self) {
            this.peers = peers;
            this.self = self;
        }

        @Override
        public Conduit admit(SocketChannel socket) throws IOException {
            UnixDomainPrincipal peer = PeerPolicy.credentials(socket);
            if (!peers.admits(peer.user(), self)) {
                // The engine logs the refusal and closes the socket; the client gets no byte.
                throw new PipeException("this server admits " + peers.admitted(self)
                        + "; list the user in PipeOptions.allowedPeerUsers, or set allowAnyPeerUser, to admit it");
            }
            return SocketClient.plain(socket);
        }

        @Override
        public String describe(SocketChannel socket) {
            try {
                return "user '" + PeerPolicy.credentials(socket).user().getName() + "'";
            } catch (IOException e) {
                return "of unknown user (" + e.getMessage() + ")";
            }
        }
    }
}
