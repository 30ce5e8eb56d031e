package io.pipc.transport.socket;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.util.List;

import org.junit.jupiter.api.Test;

/** Which hosts a certificate's alternative names cover: the accepting side's check in a TLS rendezvous. */
class SubjectNamesTest {

    private static SubjectNames dns(String... names) {
        return new SubjectNames(List.of(names), List.of());
    }

    private static SubjectNames ip(String... addresses) throws Exception {
        InetAddress[] parsed = new InetAddress[addresses.length];
        for (int i = 0; i < addresses.length; i++) {
            parsed[i] = InetAddress.getByName(addresses[i]);
        }
        return new SubjectNames(List.of(), List.of(parsed));
    }

    @Test
    void aHostNameMatchesItsDnsEntryWithoutRegardToCaseOrATrailingDot() {
        SubjectNames names = dns("Peer.Example.com");

        assertThat(names.cover("peer.example.com")).isTrue();
        assertThat(names.cover("PEER.EXAMPLE.COM.")).isTrue();
        assertThat(names.cover("other.example.com")).isFalse();
        assertThat(names.cover("example.com")).isFalse();
        assertThat(names.cover("a.peer.example.com")).isFalse();
    }

    @Test
    void aWildcardCoversExactlyOneLeftMostLabel() {
        SubjectNames names = dns("*.example.com");

        assertThat(names.cover("a.example.com")).isTrue();
        assertThat(names.cover("example.com")).isFalse();
        assertThat(names.cover("a.b.example.com")).isFalse();
        assertThat(names.cover(".example.com")).isFalse();
    }

    @Test
    void wildcardsThatCoverTooMuchOrArePartialCoverNothing() {
        assertThat(dns("*.com").cover("example.com")).isFalse();
        assertThat(dns("*").cover("localhost")).isFalse();
        assertThat(dns("p*.example.com").cover("peer.example.com")).isFalse();
        assertThat(dns("*.*.example.com").cover("a.b.example.com")).isFalse();
    }

    @Test
    void anAddressMatchesOnlyAnAddressEntry() throws Exception {
        assertThat(ip("127.0.0.2").cover("127.0.0.2")).isTrue();
        assertThat(ip("127.0.0.2").cover("127.0.0.3")).isFalse();
        assertThat(dns("127.0.0.2").cover("127.0.0.2")).as("an address written as a DNS entry").isFalse();
        assertThat(ip("127.0.0.1").cover("localhost")).as("a name is never resolved to match an address").isFalse();
    }

    @Test
    void ipv6AddressesMatchInAnySpellingWithOrWithoutBrackets() throws Exception {
        SubjectNames names = ip("2001:db8::1");

        assertThat(names.cover("2001:db8:0:0:0:0:0:1")).isTrue();
        assertThat(names.cover("[2001:db8::1]")).isTrue();
        assertThat(names.cover("2001:db8::2")).isFalse();
    }

    @Test
    void malformedHostsCoverNothing() throws Exception {
        SubjectNames names = new SubjectNames(List.of("example.com"), List.of(InetAddress.getByName("127.0.0.1")));

        assertThat(names.cover("999.0.0.1")).isFalse();
        assertThat(names.cover("g::1")).isFalse();
        assertThat(names.cover("")).isFalse();
        assertThat(names.cover(".")).isFalse();
    }

    @Test
    void describesItsNamesForErrors() throws Exception {
        SubjectNames names = new SubjectNames(List.of("peer.example.com"), List.of(InetAddress.getByName("127.0.0.9")));

        assertThat(names).hasToString("dns:peer.example.com, ip:127.0.0.9");
        assertThat(dns()).hasToString("no subject alternative names");
    }
}
