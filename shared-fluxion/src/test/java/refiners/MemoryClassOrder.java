package refiners;

import java.util.Comparator;
import org.junit.jupiter.api.ClassDescriptor;
import org.junit.jupiter.api.ClassOrderer;
import org.junit.jupiter.api.ClassOrdererContext;

/**
 * Orders test classes for the two workers (junit-platform.properties): classes with no memory lock first, then
 * {@link FullSizeModels}, then {@link LargestModels} (discovery order within each). JUnit's fork-join executor runs
 * the list's end first on one worker and steals from its start on the other: the {@link LargestModels} classes run
 * back to back (the SDXL families of the oracle and StableDiffusionXLTest map the same 13 GB of files, read once while
 * they stay cached) while the other worker runs the classes that need no lock, instead of waiting for the memory lock.
 * Only the order changes: every class runs, under the same locks.
 */
public final class MemoryClassOrder implements ClassOrderer {
    @Override
    public void orderClasses(ClassOrdererContext context) {
        context.getClassDescriptors().sort(Comparator.comparingInt(MemoryClassOrder::rank));
    }

    private static int rank(ClassDescriptor c) {
        if (c.isAnnotated(LargestModels.class)) return 2;
        return c.isAnnotated(FullSizeModels.class) ? 1 : 0;
    }
}
