package refiners.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import refiners.fluxion.DetInit;
import refiners.fluxion.compile.NchwcCache;
import refiners.options.Args;

/** cache: what the cache folder holds (detinit weights, blocked convolution copies), and pruning it. */
final class CacheCommand {
    static final String USAGE = """
            cache [list]
              The cache folder (REFINERS_CACHE): detinit weight files and blocked convolution copies, their sizes and last use.
            cache prune [--max-size SIZE] [--detinit]
              Removes the copies of weight files that are gone or changed, then the least recently used copies beyond SIZE
              (default REFINERS_CACHE_LIMIT, 10g), and folders of older cache layouts; --detinit also removes the detinit
              weight files (written again, in minutes, on their next use).""";

    /** Folders of cache layouts no version reads any more. */
    private static final List<String> OBSOLETE = List.of("nchwc-v1");

    private CacheCommand() {}

    static int run(String[] argv, PrintStream out) throws IOException {
        String sub = argv.length == 0 || argv[0].startsWith("--") ? "list" : argv[0];
        Args a = new Args(argv.length == 0 || argv[0].startsWith("--") ? argv : Arrays.copyOfRange(argv, 1, argv.length), List.of("detinit"), List.of("max-size"));
        Path root = DetInit.cacheDirectory();
        switch (sub) {
            case "list" -> list(root, out);
            case "prune" -> {
                long max = a.has("max-size") ? DetInit.parseSize(a.get("max-size", ""), "--max-size") : DetInit.cacheLimit();
                long freed = 0;
                for (NchwcCache.Copy c : NchwcCache.prune(max)) {
                    out.printf("removed %s (%s, copy of %s)%n", c.dir(), mib(c.bytes()), c.source());
                    freed += c.bytes();
                }
                List<Path> doomed = new java.util.ArrayList<>(OBSOLETE.stream().map(root::resolve).filter(Files::exists).toList());
                if (a.flag("detinit")) doomed.add(root.resolve("detinit-v1"));
                for (Path p : doomed) {
                    long bytes = size(p);
                    delete(p);
                    out.printf("removed %s (%s)%n", p, mib(bytes));
                    freed += bytes;
                }
                out.printf("freed %s; the cache holds %s%n", mib(freed), mib(size(root)));
            }
            default -> throw new IllegalArgumentException("cache: unknown subcommand " + sub + " (list or prune)");
        }
        return 0;
    }

    private static void list(Path root, PrintStream out) throws IOException {
        out.println(root + ": " + mib(size(root)));
        Path detinit = root.resolve("detinit-v1");
        if (Files.isDirectory(detinit))
            try (Stream<Path> files = Files.list(detinit)) {
                for (Path f : files.sorted().toList()) out.printf("  %-60s %10s%n", root.relativize(f), mib(Files.size(f)));
            }
        List<NchwcCache.Copy> copies = NchwcCache.copies();
        long total = copies.stream().mapToLong(NchwcCache.Copy::bytes).sum();
        out.printf("blocked convolution copies: %s of at most %s (least recently used first)%n", mib(total), mib(DetInit.cacheLimit()));
        for (NchwcCache.Copy c : copies)
            out.printf("  %-24s %10s  used %s  copy of %s%n", root.relativize(c.dir()), mib(c.bytes()), c.lastUse().toString().substring(0, 16), c.source());
        for (String old : OBSOLETE)
            if (Files.exists(root.resolve(old))) out.printf("  %-24s %10s  an older layout, unused (cache prune removes it)%n", old, mib(size(root.resolve(old))));
    }

    private static long size(Path p) throws IOException {
        if (!Files.exists(p)) return 0;
        try (Stream<Path> all = Files.walk(p)) {
            return all.filter(Files::isRegularFile).mapToLong(f -> {
                try {
                    return Files.size(f);
                } catch (IOException e) {
                    return 0; // removed meanwhile
                }
            }).sum();
        } catch (UncheckedIOException e) {
            return 0;
        }
    }

    private static void delete(Path p) throws IOException {
        try (Stream<Path> all = Files.walk(p)) {
            for (Path f : all.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(f);
        }
    }

    private static String mib(long bytes) {
        return String.format("%.1f MiB", bytes / 1048576.0);
    }
}
