package refiners.mesh;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Where a service's start-up goes: each phase's wall time, the process's CPU time over it (on a busy machine wall
 * time alone says little) and its page faults (major: read from disk; minor: mapped from the page cache), for the
 * log line that says what loading a model cost.
 */
public final class StartupPhases {
    private final List<String> done = new ArrayList<>();
    private long wall, cpu, minor, major;

    public StartupPhases() {
        mark();
    }

    /** Ends the phase running since the last call (or since construction) under {@code name}. */
    public void end(String name) {
        long w = wall, c = cpu, mi = minor, ma = major;
        mark();
        done.add(String.format(Locale.ROOT, "%s %.2f s (cpu %.2f s, faults %d major, %d minor)", name, (wall - w) / 1e9, (cpu - c) / 1e9, major - ma, minor - mi));
    }

    /** The phases so far, in order: "name W s (cpu C s, faults ...), ...". */
    public String summary() {
        return String.join(", ", done);
    }

    private void mark() {
        wall = System.nanoTime();
        cpu = ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os ? os.getProcessCpuTime() : 0;
        ProcStat stat = ProcStat.self();
        minor = stat.minorFaults();
        major = stat.majorFaults();
    }
}
