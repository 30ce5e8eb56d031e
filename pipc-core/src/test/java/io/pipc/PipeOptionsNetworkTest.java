package io.pipc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;

import org.junit.jupiter.api.Test;

/** The options TCP added: where a rendezvous listens, and whether TLS clients check host names. */
class PipeOptionsNetworkTest {

    @Test
    void byDefaultTlsClientsCheckHostNamesAndARendezvousPicksItsAddressFromThePeer() {
        PipeOptions defaults = PipeOptions.defaults();

        assertThat(defaults.tlsHostnameVerification()).isTrue();
        assertThat(defaults.localAddress()).isNull();
        assertThat(defaults.toString()).contains("localAddress=default");
    }

    @Test
    void aMulticastLocalAddressIsRefusedNamingTheOption() throws Exception {
        InetAddress multicast = InetAddress.getByName("224.0.0.1");

        assertThatThrownBy(() -> PipeOptions.builder().localAddress(multicast)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("localAddress must be a unicast address of this host (was 224.0.0.1)");
    }

    @Test
    void theNewOptionsTakePartInCopiesEqualityAndText() throws Exception {
        InetAddress local = InetAddress.getByName("127.0.0.2");
        PipeOptions options = PipeOptions.builder().localAddress(local).tlsHostnameVerification(false).build();

        assertThat(options.toBuilder().build()).isEqualTo(options).hasSameHashCodeAs(options);
        assertThat(options).isNotEqualTo(options.toBuilder().localAddress(null).build())
                .isNotEqualTo(options.toBuilder().tlsHostnameVerification(true).build());
        assertThat(options.localAddress()).isEqualTo(local);
        assertThat(options.toString()).contains("localAddress=127.0.0.2");
    }
}
