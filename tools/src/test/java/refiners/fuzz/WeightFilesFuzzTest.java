package refiners.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import refiners.fuzz.WeightFilesFuzzer.Outcome;

/**
 * The short fuzz run of CI: 10,000 damaged files (a new seed every run, printed to repeat it); none may end in an
 * unchecked exception, an Error, a hang, or a refusal that does not name the file. The long run is
 * {@code refiners.jar fuzz --cases N}.
 */
class WeightFilesFuzzTest {
    static final int CASES = Integer.getInteger("fuzz.cases", 10_000);

    @TempDir
    Path work;

    @Test
    void damagedWeightFilesLoadOrAreRefusedNamingTheFile() {
        long seed = Long.getLong("fuzz.seed", System.nanoTime());
        WeightFilesFuzzer fuzzer = new WeightFilesFuzzer(work, 20_000);
        fuzzer.checkSeeds();
        WeightFilesFuzzer.Report report = fuzzer.run(seed, CASES);
        System.out.println("fuzz seed " + seed + " (repeat: -Dfuzz.seed=" + seed + ")\n" + report.table());
        StringBuilder failures = new StringBuilder();
        report.failures().stream().limit(10).forEach(f -> failures.append("\ncase ").append(f.index()).append(' ').append(f.target()).append(' ')
                .append(f.kind()).append(": ").append(f.outcome()).append('\n').append(f.detail()));
        assertTrue(report.failures().isEmpty(), report.failures().size() + " failures, seed " + seed + failures);
        Map<Outcome, Integer> totals = report.totals();
        assertEquals(CASES, totals.values().stream().mapToInt(Integer::intValue).sum());
        // every kind of damage was tried, and each was caught at least once (a kind never refused damages nothing)
        assertEquals(Mutation.values().length + WeightFilesFuzzer.IndexDamage.values().length, report.byKind().size(), report.byKind().keySet().toString());
        report.byKind().forEach((kind, counts) -> assertTrue(counts.getOrDefault(Outcome.REFUSED, 0) > 0, kind + " was never refused"));
    }
}
