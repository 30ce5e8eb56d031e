package io.pipc.transport.unix;

import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.nio.file.FileSystems;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import java.util.HashSet;
import java.util.Set;
import java.util.TreeSet;

import io.pipc.PipeException;
import io.pipc.PipeOptions;

import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;

import org.jspecify.annotations.Nullable;

/**
 * Which users may be at the other end of a Unix socket: this process's own user, the users
 * {@link PipeOptions#allowedPeerUsers()} names, or anyone with
 * {@link PipeOptions#allowAnyPeerUser()}. The kernel says who the peer is: {@code SO_PEERCRED},
 * read through {@link ExtendedSocketOptions#SO_PEERCRED}, gives the user the peer process ran as
 * when it connected (a client) or started listening (a server). Nothing the peer sends can change it.
 *
 * <p>A server checks each client as it accepts it, before any byte of pipc; a client checks the
 * server before it sends its preface, because a server of another user may have taken the path
 * (in a shared directory such as {@code /tmp}) and would otherwise receive the client's messages.
 *
 * <p>Users are compared as the JDK's {@link UserPrincipal}s, which are equal exactly when their
 * uids are, whatever the names. The names in {@code allowedPeerUsers} are looked up when the
 * policy is made, so that a name this host does not know is an error at once rather than a silent
 * refusal later; a number that is no user's name is taken as a uid. This process's own user is
 * passed in as the owner of a file it owns, the JDK offering no call that gives it.
 */
final class PeerPolicy {

    private final Set<UserPrincipal> allowed;
    private final Set<String> allowedNames;
    private final boolean anyone;

    private PeerPolicy(Set<UserPrincipal> allowed, Set<String> allowedNames, boolean anyone) {
        this.allowed = allowed;
        this.allowedNames = allowedNames;
        this.anyone = anyone;
    }

    /**
     * @param options {@code allowedPeerUsers} and {@code allowAnyPeerUser}
     * @param subject who asks, for errors: {@code server 'api'}
     * @return the policy
     * @throws PipeException when {@code allowedPeerUsers} names a user this host does not know
     */
    static PeerPolicy of(PipeOptions options, String subject) {
        UserPrincipalLookupService users = FileSystems.getDefault().getUserPrincipalLookupService();
        Set<UserPrincipal> allowed = new HashSet<>();
        for (String name : options.allowedPeerUsers()) {
            try {
                allowed.add(users.lookupPrincipalByName(name));
            } catch (UserPrincipalNotFoundException e) {
                throw new PipeException(subject + ": PipeOptions.allowedPeerUsers names '" + name
                        + "', but this host has no such user; give an existing user name or a numeric uid", e);
            } catch (IOException | UnsupportedOperationException e) {
                throw new PipeException(subject + ": cannot look up user '" + name + "' of PipeOptions.allowedPeerUsers: "
                        + e.getMessage(), e);
            }
        }
        return new PeerPolicy(Set.copyOf(allowed), new TreeSet<>(options.allowedPeerUsers()), options.allowAnyPeerUser());
    }

    /**
     * @return whether users other than this process's may be peers: then a server's socket file
     *         must be writable by others, since a file's mode cannot name users
     */
    boolean admitsOthers() {
        return anyone || !allowed.isEmpty();
    }

    /**
     * @param peer the peer's user, as {@code SO_PEERCRED} gave it
     * @param self this process's user, or null when it is not known (then only listed users are admitted)
     * @return whether the peer may talk to this end
     */
    boolean admits(UserPrincipal peer, @Nullable UserPrincipal self) {
        return anyone || peer.equals(self) || allowed.contains(peer);
    }

    /**
     * @param self this process's user, or null when unknown
     * @return whom this end admits, in words: {@code its own user 'alice' and [bob, carol]}
     */
    String admitted(@Nullable UserPrincipal self) {
        String own = "its own user '" + (self != null ? self.getName() : System.getProperty("user.name")) + "'";
        return allowedNames.isEmpty() ? own + " only" : own + " and " + allowedNames;
    }

    /**
     * @param socket a connected Unix domain socket
     * @return the user and group of the process at the other end
     * @throws IOException when the socket is closed or the platform cannot tell
     */
    static UnixDomainPrincipal credentials(SocketChannel socket) throws IOException {
        return socket.getOption(ExtendedSocketOptions.SO_PEERCRED);
    }

    @Override
    public String toString() {
        return anyone ? "any user" : "own user and " + allowedNames;
    }
}
