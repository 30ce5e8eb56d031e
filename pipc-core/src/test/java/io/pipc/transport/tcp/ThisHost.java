package io.pipc.transport.tcp;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.Comparator;
import java.util.Optional;

/** Addresses of the machine the tests run on. */
final class ThisHost {

    private ThisHost() {
    }

    /**
     * @return an address of this host that is not loopback (nor link-local), IPv4 first: a
     *         connection from it to this host is one from "another address" that is not loopback,
     *         to which per-address limits apply; empty on a machine with loopback only
     */
    static Optional<InetAddress> nonLoopbackAddress() {
        try {
            return NetworkInterface.networkInterfaces()
                    .filter(ThisHost::isUp)
                    .flatMap(NetworkInterface::inetAddresses)
                    .filter(address -> !address.isLoopbackAddress() && !address.isLinkLocalAddress()
                            && !address.isAnyLocalAddress() && !address.isMulticastAddress())
                    .min(Comparator.comparing(address -> address instanceof Inet4Address ? 0 : 1));
        } catch (SocketException e) {
            return Optional.empty();
        }
    }

    private static boolean isUp(NetworkInterface network) {
        try {
            return network.isUp() && !network.isLoopback();
        } catch (SocketException e) {
            return false;
        }
    }
}
