package refiners.launch;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Free loopback ports for services that bind them a few seconds later. Taken below the kernel's ephemeral range:
 * a port the OS hands out for {@code bind(0)} is also a port it hands out as the source of an outgoing connection,
 * so between our check and the service's bind any client on the machine could take it (CI once lost a mesh start
 * this way: "Port 45803 seems to be in use").
 */
final class LoopbackPorts {
    private static final Path EPHEMERAL_RANGE = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
    private static final int LOWEST = 20000;

    private LoopbackPorts() {}

    /** {@code count} distinct ports that are free on 127.0.0.1 now. */
    static List<Integer> free(int count) {
        return free(count, Set.of());
    }

    /** {@code count} distinct ports that are free on 127.0.0.1 now and not among {@code promised} (chosen, not yet bound). */
    static List<Integer> free(int count, Collection<Integer> promised) {
        int below = ephemeralStart();
        if (below - LOWEST < 1000) return fromKernel(count); // no room below the range: fall back to bind(0)
        Set<Integer> ports = new LinkedHashSet<>();
        for (int tries = 0; ports.size() < count; tries++) {
            if (tries > 10_000) throw new IllegalStateException("no free loopback port in " + LOWEST + ".." + (below - 1));
            int port = ThreadLocalRandom.current().nextInt(LOWEST, below);
            if (!ports.contains(port) && !promised.contains(port) && isFree(port)) ports.add(port);
        }
        return new ArrayList<>(ports);
    }

    private static int ephemeralStart() {
        try {
            // read line-wise: Files.readString trusts the size /proc reports and returns "3" of "32768\t60999"
            return Integer.parseInt(Files.readAllLines(EPHEMERAL_RANGE).get(0).trim().split("\\s+")[0]);
        } catch (IOException | RuntimeException e) {
            return 32768; // Linux's default; other systems: bind(0) below
        }
    }

    private static boolean isFree(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static List<Integer> fromKernel(int count) {
        List<ServerSocket> held = new ArrayList<>();
        try {
            for (int i = 0; i < count; i++) held.add(new ServerSocket(0));
            List<Integer> ports = new ArrayList<>();
            for (ServerSocket s : held) ports.add(s.getLocalPort());
            return ports;
        } catch (IOException e) {
            throw new IllegalStateException("no free port", e);
        } finally {
            for (ServerSocket s : held) {
                try {
                    s.close();
                } catch (IOException ignored) {
                    // closing a probe socket
                }
            }
        }
    }
}
