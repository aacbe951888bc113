package refiners.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.Test;

class LoopbackPortsTest {
    @Test
    void portsAreDistinctBindableAndBelowTheEphemeralRange() throws IOException {
        List<Integer> ports = LoopbackPorts.free(8);
        assertEquals(8, new HashSet<>(ports).size(), ports.toString());
        Path range = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
        int ephemeralStart = Files.exists(range) ? Integer.parseInt(Files.readAllLines(range).get(0).trim().split("\\s+")[0]) : 32768;
        assertTrue(ephemeralStart > 1024, "the ephemeral range starts at " + ephemeralStart);
        for (int port : ports) {
            assertTrue(port < ephemeralStart, port + " is in the ephemeral range");
            try (ServerSocket s = new ServerSocket()) {
                s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            }
        }
    }

    @Test
    void portsPromisedToOtherServicesAreNotChosenAgain() {
        List<Integer> promised = LoopbackPorts.free(200);
        for (int port : LoopbackPorts.free(200, promised)) assertTrue(!promised.contains(port), port + " was promised already");
    }
}
