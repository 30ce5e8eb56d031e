package io.pipc.transport.socket;

import java.net.IDN;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;

/**
 * The hosts a certificate was issued for (its subject alternative names), and whether one of
 * them is a given host: the check the accepting side of a TLS rendezvous runs on the
 * connecting side's certificate after the handshake.
 *
 * <p>JSSE runs this check ("HTTPS" endpoint identification) only for the side that connects;
 * for the side that accepts it is not a supported use of the API (JDK 25 reports it as "not
 * supported on the server side") and its matcher ({@code sun.security.util.HostnameChecker}) is
 * not exported. The rules follow RFC 6125 as JSSE's client applies them, a little stricter: an
 * IP address matches only an IP address entry; a host name matches a DNS entry exactly (without
 * regard to case or a trailing dot) or a wildcard that is the whole left-most label
 * ({@code *.example.com} covers {@code a.example.com}, not {@code example.com} nor
 * {@code a.b.example.com}) with at least two labels after it; the subject's common name is never
 * used, as RFC 6125 asks of certificates that have alternative names and the CA/Browser Forum
 * of all of them.
 *
 * @param dnsNames the DNS entries, as written in the certificate
 * @param ipAddresses the IP address entries
 */
record SubjectNames(List<String> dnsNames, List<InetAddress> ipAddresses) {

    private static final int DNS_NAME = 2;
    private static final int IP_ADDRESS = 7;
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

    SubjectNames {
        dnsNames = List.copyOf(dnsNames);
        ipAddresses = List.copyOf(ipAddresses);
    }

    /**
     * @param certificate the peer's certificate
     * @return its alternative names; none when it has none or they cannot be read
     */
    static SubjectNames of(X509Certificate certificate) {
        @Nullable Collection<List<?>> entries;
        try {
            entries = certificate.getSubjectAlternativeNames();
        } catch (CertificateParsingException e) {
            entries = null;
        }
        List<String> dns = new ArrayList<>();
        List<InetAddress> ips = new ArrayList<>();
        if (entries != null) {
            for (List<?> entry : entries) {
                Object type = entry.get(0);
                Object value = entry.get(1);
                if (type instanceof Integer kind && value instanceof String name) {
                    if (kind == DNS_NAME) {
                        dns.add(name);
                    } else if (kind == IP_ADDRESS) {
                        InetAddress address = literal(name);
                        if (address != null) {
                            ips.add(address);
                        }
                    }
                }
            }
        }
        return new SubjectNames(dns, ips);
    }

    /**
     * @param host a host name or IP address literal (IPv6 with or without brackets)
     * @return whether one of these names is that host
     */
    boolean cover(String host) {
        if (isIpLiteral(host)) {
            InetAddress address = literal(host);
            return address != null && ipAddresses.contains(address);
        }
        String name = normalise(host);
        if (name == null) {
            return false;
        }
        for (String entry : dnsNames) {
            String pattern = normalise(entry);
            if (pattern != null && matches(pattern, name)) {
                return true;
            }
        }
        return false;
    }

    private static boolean matches(String pattern, String name) {
        if (!pattern.startsWith("*.")) {
            return !pattern.contains("*") && pattern.equals(name);
        }
        String parent = pattern.substring(2);
        int firstDot = name.indexOf('.');
        return parent.indexOf('.') > 0 && !parent.contains("*") && firstDot > 0
                && name.substring(firstDot + 1).equals(parent);
    }

    /** The ASCII, lower-case form, without a trailing dot; null when it is no valid name. */
    private static @Nullable String normalise(String name) {
        String trimmed = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
        if (trimmed.isEmpty()) {
            return null;
        }
        try {
            return IDN.toASCII(trimmed, IDN.ALLOW_UNASSIGNED).toLowerCase(Locale.ROOT);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static boolean isIpLiteral(String host) {
        return host.indexOf(':') >= 0 || IPV4.matcher(host).matches();
    }

    /** Parses an address literal, never asking DNS (which InetAddress would for a malformed one); null when it is not one. */
    private static @Nullable InetAddress literal(String text) {
        String bare = text.startsWith("[") && text.endsWith("]") ? text.substring(1, text.length() - 1) : text;
        if (bare.isEmpty()) {
            return null;
        }
        boolean v4 = IPV4.matcher(bare).matches();
        if (v4) {
            for (String octet : bare.split("\\.")) {
                if (Integer.parseInt(octet) > 255) {
                    return null;
                }
            }
        }
        boolean v6 = bare.indexOf(':') >= 0 && (Character.digit(bare.charAt(0), 16) >= 0 || bare.charAt(0) == ':');
        if (!v4 && !v6) {
            return null;
        }
        try {
            return InetAddress.getByName(bare);
        } catch (UnknownHostException e) {
            return null;
        }
    }

    @Override
    public String toString() {
        List<String> all = new ArrayList<>();
        dnsNames.forEach(name -> all.add("dns:" + name));
        ipAddresses.forEach(address -> all.add("ip:" + address.getHostAddress()));
        return all.isEmpty() ? "no subject alternative names" : String.join(", ", all);
    }
}
