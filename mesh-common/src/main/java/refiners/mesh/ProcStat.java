package refiners.mesh;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A process's CPU time and page faults as Linux's /proc/PID/stat counts them (major faults: read from disk; minor:
 * mapped from the page cache): what a start-up breakdown reports beside wall time. Zeros where there is no /proc.
 */
public record ProcStat(double cpuSeconds, long minorFaults, long majorFaults) {
    /** Clock ticks per second of utime/stime (USER_HZ, 100 on Linux). */
    private static final double TICKS = 100.0;

    /** This process's. */
    public static ProcStat self() {
        return read(Path.of("/proc/self/stat"));
    }

    /** Process {@code pid}'s. */
    public static ProcStat of(long pid) {
        return read(Path.of("/proc", Long.toString(pid), "stat"));
    }

    private static ProcStat read(Path stat) {
        try {
            String s = Files.readString(stat);
            String[] f = s.substring(s.lastIndexOf(')') + 2).split(" "); // f[0] is field 3 (state): the name may hold spaces
            return new ProcStat((Long.parseLong(f[11]) + Long.parseLong(f[12])) / TICKS, Long.parseLong(f[7]), Long.parseLong(f[9]));
        } catch (IOException | RuntimeException e) {
            return new ProcStat(0, 0, 0);
        }
    }
}
