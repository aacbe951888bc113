package refiners.mesh.orchestrator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A fixed list of replicas, with or without the port Quarkus appends to the target. */
class StaticAddressesTest {
    static List<InetSocketAddress> addresses(String authority) {
        return StaticAddresses.parse(authority).stream().map(g -> (InetSocketAddress) g.getAddresses().get(0)).toList();
    }

    @Test
    void oneGroupPerReplica() {
        assertEquals(List.of(new InetSocketAddress("127.0.0.1", 8082), new InetSocketAddress("127.0.0.1", 8092)), addresses("127.0.0.1:8082,127.0.0.1:8092:8082"));
        assertEquals(List.of(new InetSocketAddress("127.0.0.1", 8082)), addresses("127.0.0.1:8082"));
        assertThrows(IllegalArgumentException.class, () -> addresses("127.0.0.1"));
    }
}
