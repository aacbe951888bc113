package refiners.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import refiners.fuzz.WeightFilesFuzzer;
import refiners.options.Args;

/** fuzz: damaged weight files against the safetensors reader, the LoRA loader and the weights loaders. */
final class FuzzCommand {
    static final String USAGE = """
            fuzz [--cases 100000] [--seed N] [--timeout-ms 10000] [--keep DIR]
              Damaged safetensors files, LoRAs (refiners, kohya, diffusers) and model weights (CompVis file, sharded
              diffusers folder) against their readers. Each case must load or be refused with the library's exception
              naming the file; prints the outcomes per kind of damage, writes failing cases to DIR (default
              target/fuzz-failures) and exits 1 if there is any.""";

    private FuzzCommand() {}

    static int run(String[] argv) throws IOException {
        Args a = new Args(argv, List.of(), List.of("cases", "seed", "timeout-ms", "keep"));
        int cases = a.getInt("cases", 100_000);
        long seed = a.getLong("seed", System.nanoTime());
        Path keep = Path.of(a.get("keep", "target/fuzz-failures"));
        Path work = Files.createTempDirectory("refiners-fuzz");
        long t0 = System.nanoTime();
        WeightFilesFuzzer fuzzer = new WeightFilesFuzzer(work, a.getLong("timeout-ms", 10_000));
        fuzzer.checkSeeds();
        System.out.printf("fuzzing %d cases, seed %d (repeat with --seed %d --cases %d)%n", cases, seed, seed, cases);
        WeightFilesFuzzer.Report report = fuzzer.run(seed, cases);
        Files.deleteIfExists(work);
        System.out.print(report.table());
        System.out.printf("%d cases in %.1f s, %d failures%n", report.cases(), (System.nanoTime() - t0) / 1e9, report.failures().size());
        for (WeightFilesFuzzer.Failure f : report.failures()) {
            Path dir = keep.resolve("case-" + f.index());
            for (var file : f.files().entrySet()) {
                Path p = dir.resolve(file.getKey());
                Files.createDirectories(p.getParent());
                Files.write(p, file.getValue());
            }
            System.out.printf("FAILED case %d (%s, %s): %s -> %s%n%s%n", f.index(), f.target(), f.kind(), f.outcome(), dir, f.detail());
        }
        return report.failures().isEmpty() ? 0 : 1;
    }
}
